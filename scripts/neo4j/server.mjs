#!/usr/bin/env node
// @ts-check
/**
 * @file Development tool: runs a real Neo4j Community server, assembled from Maven Central jars, with
 * authentication on, for the tests, the demo and the benchmarks of neo4j-backup.
 *
 * Library use:
 *   import { startNeo4j } from "./scripts/neo4j/server.mjs";
 *   const server = await startNeo4j({ line: "5.26" });
 *   // ... neo4j.driver(server.uri, neo4j.auth.basic(server.username, server.password)) ...
 *   await server.stop();
 *
 * CLI use (see README.md beside this file):
 *   node scripts/neo4j/server.mjs start [--line 5.26|latest] [--apoc] [--home DIR] [--password PW]
 *   node scripts/neo4j/server.mjs stop [--line 5.26|latest | --all] [--keep]
 *   node scripts/neo4j/server.mjs status
 *
 * Only node: builtins and neo4j-driver are used; Maven (mvn on PATH) fetches the jars.
 */

import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";
import zlib from "node:zlib";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const POM = path.join(HERE, "pom.xml");
const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_HEAP = "512m";
const DEFAULT_PAGE_CACHE = "256m";
const DEFAULT_START_TIMEOUT_MS = 120_000;
const DEFAULT_STOP_TIMEOUT_MS = 30_000;
const ENTRY_POINT_SERVICE = "META-INF/services/org.neo4j.server.startup.EntryPoint";
const CALENDAR_RE = /^(\d{4})\.(\d{2})\.(\d+)$/;
const SEMVER_RE = /^(\d+)\.(\d+)\.(\d+)$/;

/** The password used when none is given (Neo4j requires at least 8 characters). */
export const DEFAULT_PASSWORD = "neo4j-backup-test";

/** The supported lines: "5.26" (LTS, Java 17/21) and "latest" (newest calendar release, Java 21/25). */
export const LINES = /** @type {const} */ (["5.26", "latest"]);

/**
 * @typedef {"5.26" | "latest"} Line
 *
 * @typedef {object} StartOptions
 * @property {Line} [line] Which line to run (default "5.26"). Ignored when `version` is given.
 * @property {string} [version] Exact Neo4j version (e.g. "5.26.30" or "2026.08.1"); overrides `line`.
 * @property {boolean} [apoc] Install APOC core into plugins/ (only versions published on Maven Central).
 * @property {string} [password] Password of the `neo4j` user (default "neo4j-backup-test", >= 8 chars).
 * @property {string} [home] Home folder to use (created if missing, never deleted). Default: a fresh
 *   temp folder, deleted by `stop()`.
 * @property {boolean} [keepHome] Keep a temp home folder on `stop()`.
 * @property {string} [heap] JVM heap (initial = max), e.g. "512m", "1g". Default env NEO4J_HEAP or 512m.
 * @property {string} [pageCache] Page cache size, e.g. "256m". Default env NEO4J_PAGECACHE or 256m.
 * @property {number} [startTimeoutMs] How long to wait for Bolt (default 120000).
 * @property {number} [boltPort] The Bolt port (default: a free one, picked at start). With a port
 *   of its own, a server that replaces another keeps its address.
 * @property {number} [stopTimeoutMs] How long `stop()` waits after SIGTERM before SIGKILL (default 30000).
 * @property {Record<string, string | number | boolean>} [config] Extra neo4j.conf settings (win over defaults).
 * @property {string[]} [jvmArgs] Extra JVM flags, added after the defaults.
 * @property {boolean} [detached] Let the JVM outlive this Node process (used by the CLI): no exit
 *   handlers are registered; stop it later with `stopByPid(pid)`.
 * @property {(msg: string) => void} [log] Progress messages (default: silent).
 *
 * @typedef {object} Neo4jServer
 * @property {string} uri Bolt URI, `bolt://127.0.0.1:<port>`.
 * @property {"neo4j"} username
 * @property {string} password
 * @property {string} version Version reported by the running server (`dbms.components()`).
 * @property {string} edition Edition reported by the running server ("community").
 * @property {string} line "5.26", "latest", or the exact version when it belongs to neither line.
 * @property {number} pid Process id of the server JVM.
 * @property {string} home Home folder (conf/, data/, logs/, plugins/, run/, import/).
 * @property {number} boltPort
 * @property {boolean} tempHome Whether `home` is a temp folder that `stop()` deletes.
 * @property {JavaInfo} java The Java that runs the server.
 * @property {string | undefined} apocVersion The APOC core version installed, if any.
 * @property {() => Promise<void>} stop Stops the server (SIGTERM, then SIGKILL) and deletes a temp home.
 *
 * @typedef {object} JavaInfo
 * @property {string} javaHome
 * @property {string} java Path of the `java` executable.
 * @property {number} major Feature version (17, 21, 25, ...).
 * @property {string} version Full version string, e.g. "17.0.15".
 * @property {string} source Where it was found (NEO4J_JAVA_HOME, JAVA_HOME, PATH, /usr/lib/jvm).
 *
 * @typedef {object} Artifact
 * @property {string} groupId
 * @property {string} artifactId
 * @property {string} version
 * @property {string} type
 * @property {string} [classifier]
 * @property {string} file Absolute path of the jar in the cache.
 *
 * @typedef {object} JarsInfo
 * @property {string} version Neo4j version.
 * @property {string} dir `<cache>/neo4j/<version>`.
 * @property {string} lib `<cache>/neo4j/<version>/lib`, the server classpath.
 * @property {Artifact[]} artifacts The resolved runtime artifacts.
 * @property {string} entryPoint Main class of the server (CommunityEntryPoint in 5.x, Neo4jCommunity in
 *   calendar releases), read from the jar's service file.
 * @property {{ version: string, dir: string, jars: string[] } | undefined} apoc APOC core: the jars to put
 *   into plugins/ (apoc-core and those of its dependencies the server does not already have).
 */

// ---------------------------------------------------------------------------------------------------
// Small helpers

/** @returns {string} the cache root (`$NEO4J_BACKUP_CACHE` or `~/.cache/neo4j-backup`). */
export function cacheRoot() {
  return process.env.NEO4J_BACKUP_CACHE || path.join(os.homedir(), ".cache", "neo4j-backup");
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @param {unknown} e */
const errMsg = (e) => (e instanceof Error ? e.message : String(e));

/** @param {string} file @returns {any} */
function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** @param {string} file @param {unknown} value @param {number} [mode] */
function writeJsonAtomic(file, value, mode = 0o644) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  fs.renameSync(tmp, file);
}

/**
 * Runs a command to completion, keeping the last 64 KiB of its output.
 * @param {string} cmd @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, timeoutMs?: number }} [opts]
 * @returns {Promise<{ code: number | null, signal: string | null, stdout: string, stderr: string }>}
 */
function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const keep = (/** @type {string} */ s) => (s.length > 65536 ? s.slice(-65536) : s);
    child.stdout.on("data", (d) => {
      stdout = keep(stdout + d);
    });
    child.stderr.on("data", (d) => {
      stderr = keep(stderr + d);
    });
    const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** @param {string} text @param {number} n */
function lastLines(text, n) {
  const lines = text.replace(/\s+$/, "").split("\n");
  return lines.slice(-n).join("\n");
}

/** @param {string} file @param {number} n */
function tailFile(file, n) {
  try {
    const stat = fs.statSync(file);
    const size = Math.min(stat.size, 256 * 1024);
    const fd = fs.openSync(file, "r");
    try {
      const buf = Buffer.alloc(size);
      fs.readSync(fd, buf, 0, size, stat.size - size);
      return lastLines(buf.toString("utf8"), n);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * Reads one entry of a zip/jar file (stored or deflated, no zip64), or undefined when absent.
 * @param {string} zipPath @param {string} entryName @returns {Buffer | undefined}
 */
function readZipEntry(zipPath, entryName) {
  const buf = fs.readFileSync(zipPath);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${zipPath}: not a zip file`);
  const entries = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${zipPath}: bad central directory`);
    const method = buf.readUInt16LE(p + 10);
    const compSize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString("utf8", p + 46, p + 46 + nameLen);
    if (name === entryName) {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + compSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return zlib.inflateRawSync(data);
      throw new Error(`${zipPath}: ${entryName} uses unsupported compression ${method}`);
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  return undefined;
}

/**
 * Whether a process is alive (a zombie counts as dead).
 * @param {number} pid
 */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return /** @type {NodeJS.ErrnoException} */ (e).code === "EPERM";
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return false;
  } catch {
    // no /proc: trust kill(0)
  }
  return true;
}

/**
 * The command line of a process, or undefined when it is gone or unreadable.
 * @param {number} pid
 */
function commandLineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    const r = spawnSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : undefined;
  }
}

/**
 * Whether `pid` is a Neo4j JVM started on `home` (guards against pid reuse).
 * @param {number} pid @param {string} home
 */
function isNeo4jOn(pid, home) {
  if (!isAlive(pid)) return false;
  const cmd = commandLineOf(pid);
  return cmd === undefined ? true : cmd.includes(`--home-dir=${home}`);
}

/** @returns {Promise<number>} a free TCP port on 127.0.0.1 */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Versions

/** @param {string} v @returns {number[] | undefined} numeric parts of an X.Y.Z version */
function versionParts(v) {
  const m = SEMVER_RE.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** @param {string} v */
function isCalendar(v) {
  const m = CALENDAR_RE.exec(v);
  return !!m && Number(m[1]) >= 2025;
}

/** @param {number[]} a @param {number[]} b */
function compareParts(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** @param {string[]} versions @returns {string | undefined} */
function newest(versions) {
  return [...versions].sort((a, b) => compareParts(versionParts(b) ?? [], versionParts(a) ?? []))[0];
}

/**
 * The line a version belongs to: "5.26", "latest" (calendar) or the version itself.
 * @param {string} version
 */
function lineOf(version) {
  if (version.startsWith("5.26.")) return "5.26";
  if (isCalendar(version)) return "latest";
  return version;
}

/** @param {string} xml */
function parseMetadataVersions(xml) {
  const block = /<versions>([\s\S]*?)<\/versions>/.exec(xml)?.[1] ?? "";
  return [...block.matchAll(/<version>\s*([^<\s]+)\s*<\/version>/g)].map((m) => m[1] ?? "").filter(Boolean);
}

/** @type {Map<string, Promise<string[]>>} */
const metadataInflight = new Map();

/**
 * All versions of a Maven artifact, from Maven Central's maven-metadata.xml, cached for a day under
 * `<cache>/versions/`. Order of sources: fresh cache, HTTPS, Maven (`dependency:get` of RELEASE, then
 * the metadata Maven keeps in ~/.m2), stale cache.
 * @param {string} groupId @param {string} artifactId @param {(msg: string) => void} log
 * @returns {Promise<string[]>}
 */
function artifactVersions(groupId, artifactId, log) {
  const key = `${groupId}:${artifactId}`;
  let p = metadataInflight.get(key);
  if (!p) {
    p = loadArtifactVersions(groupId, artifactId, log).finally(() => metadataInflight.delete(key));
    metadataInflight.set(key, p);
  }
  return p;
}

/** @param {string} groupId @param {string} artifactId @param {(msg: string) => void} log */
async function loadArtifactVersions(groupId, artifactId, log) {
  const key = `${groupId}:${artifactId}`;
  const file = path.join(cacheRoot(), "versions", `${groupId}_${artifactId}.json`);
  const cached = readJson(file);
  if (cached && Array.isArray(cached.versions)) {
    // fresh for a day; after a failed refresh, do not try again for 10 minutes (offline use stays fast)
    if (Date.now() - cached.fetchedAt < DAY_MS || Date.now() - (cached.failedAt ?? 0) < 10 * 60_000) {
      return cached.versions;
    }
  }
  const repo = (process.env.NEO4J_MAVEN_REPO || "https://repo.maven.apache.org/maven2").replace(/\/$/, "");
  const rel = `${groupId.replace(/\./g, "/")}/${artifactId}`;
  /** @type {string[]} */
  const problems = [];
  /** @type {string[] | undefined} */
  let versions;
  let source = "";
  try {
    const res = await fetch(`${repo}/${rel}/maven-metadata.xml`, { signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    versions = parseMetadataVersions(await res.text());
    source = "https";
  } catch (e) {
    problems.push(`https: ${errMsg(e)}`);
  }
  if (!versions?.length) {
    try {
      log(`Reading the versions of ${key} through Maven...`);
      const r = await run(mvnCommand(), [
        "-q",
        "-B",
        "-U",
        "-f",
        POM,
        "dependency:get",
        `-Dartifact=${groupId}:${artifactId}:RELEASE:pom`,
        "-Dtransitive=false",
      ]);
      const dir = path.join(os.homedir(), ".m2", "repository", rel);
      const found = new Set();
      for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
        if (/^maven-metadata.*\.xml$/.test(f)) {
          for (const v of parseMetadataVersions(fs.readFileSync(path.join(dir, f), "utf8"))) found.add(v);
        }
      }
      if (!found.size) throw new Error(`exit ${r.code}: ${lastLines(r.stdout + r.stderr, 10)}`);
      versions = [...found];
      source = "maven";
    } catch (e) {
      problems.push(`maven: ${errMsg(e)}`);
    }
  }
  if (versions?.length) {
    writeJsonAtomic(file, { fetchedAt: Date.now(), source, versions });
    return versions;
  }
  if (cached && Array.isArray(cached.versions)) {
    log(`warning: could not refresh the versions of ${key} (${problems.join("; ")}); using the cached list`);
    writeJsonAtomic(file, { ...cached, failedAt: Date.now() });
    return cached.versions;
  }
  throw new Error(`Cannot read the versions of ${key} from Maven Central: ${problems.join("; ")}`);
}

/**
 * Versions whose jars are complete in the cache (for working offline).
 * @param {string} kind "neo4j" or "apoc"
 */
function cachedVersions(kind) {
  const dir = path.join(cacheRoot(), kind);
  try {
    return fs.readdirSync(dir).filter((v) => fs.existsSync(path.join(dir, v, ".complete")));
  } catch {
    return [];
  }
}

/** @param {string[]} versions @param {string} line */
function pickForLine(versions, line) {
  if (line === "5.26") return newest(versions.filter((v) => /^5\.26\.\d+$/.test(v)));
  if (line === "latest") return newest(versions.filter(isCalendar));
  throw new Error(`Unknown line "${line}"; use one of: ${LINES.join(", ")}`);
}

/**
 * The exact Neo4j version for a line: "5.26" → the newest 5.26.x on Maven Central; "latest" → the newest
 * calendar release (YYYY.MM.x). The Maven metadata is cached for a day; env NEO4J_VERSION_526 /
 * NEO4J_VERSION_LATEST override the result; offline with no cache, the newest complete jar set in the cache
 * is used.
 * @param {Line} [line] default "5.26"
 * @param {{ log?: (msg: string) => void }} [opts]
 * @returns {Promise<string>}
 */
export async function resolveVersion(line = "5.26", opts = {}) {
  const log = opts.log ?? (() => {});
  if (!LINES.includes(/** @type {Line} */ (line))) {
    throw new Error(`Unknown line "${line}"; use one of: ${LINES.join(", ")} (or pass an exact version)`);
  }
  const override = line === "5.26" ? process.env.NEO4J_VERSION_526 : process.env.NEO4J_VERSION_LATEST;
  if (override) return override.trim();
  try {
    const found = pickForLine(await artifactVersions("org.neo4j", "neo4j", log), line);
    if (!found) throw new Error(`no ${line} version is listed in org.neo4j:neo4j's metadata`);
    return found;
  } catch (e) {
    const local = pickForLine(cachedVersions("neo4j"), line);
    if (local) {
      log(`warning: ${errMsg(e)}; using the cached Neo4j ${local}`);
      return local;
    }
    throw e;
  }
}

/**
 * The APOC core version for a server version: env NEO4J_APOC_VERSION, else for 5.x the newest apoc-core with
 * the same major.minor (not newer than the server when possible), for calendar releases the same version.
 * @param {string} serverVersion @param {(msg: string) => void} log
 */
async function resolveApocVersion(serverVersion, log) {
  if (process.env.NEO4J_APOC_VERSION) return process.env.NEO4J_APOC_VERSION.trim();
  /** @type {string[]} */
  let versions;
  try {
    versions = await artifactVersions("org.neo4j.procedure", "apoc-core", log);
  } catch (e) {
    versions = cachedVersions("apoc");
    if (!versions.length) throw e;
  }
  if (isCalendar(serverVersion)) {
    if (versions.includes(serverVersion)) return serverVersion;
    const cal = newest(versions.filter(isCalendar));
    throw new Error(
      `APOC core ${serverVersion} is not published on Maven Central (newest calendar apoc-core there: ${
        cal ?? "none"
      }; newest overall: ${newest(versions)}). Use the 5.26 line for APOC, or set NEO4J_APOC_VERSION.`,
    );
  }
  const sp = versionParts(serverVersion);
  if (!sp) throw new Error(`Cannot pick an APOC version for Neo4j ${serverVersion}`);
  const same = versions.filter((v) => {
    const p = versionParts(v);
    return p && p[0] === sp[0] && p[1] === sp[1];
  });
  const notNewer = same.filter((v) => compareParts(versionParts(v) ?? [], sp) <= 0);
  const chosen = newest(notNewer.length ? notNewer : same);
  if (!chosen)
    throw new Error(`No apoc-core ${sp[0]}.${sp[1]}.x on Maven Central for Neo4j ${serverVersion}`);
  return chosen;
}

// ---------------------------------------------------------------------------------------------------
// Java

/**
 * Java feature versions a Neo4j version runs on.
 * @param {string} lineOrVersion "5.26", "latest" or an exact version
 * @returns {number[]}
 */
function supportedJavaMajors(lineOrVersion) {
  if (lineOrVersion === "5.26") return [17, 21];
  if (lineOrVersion === "latest") return [21, 25];
  const cal = CALENDAR_RE.exec(lineOrVersion);
  if (cal && Number(cal[1]) >= 2025) {
    return Number(cal[1]) * 100 + Number(cal[2]) >= 202510 ? [21, 25] : [21];
  }
  const p = versionParts(lineOrVersion);
  if (p && p[0] === 5) return [17, 21];
  throw new Error(`Unsupported Neo4j version "${lineOrVersion}" (use 5.x or a calendar release)`);
}

/** @param {string} javaHome @returns {{ major: number, version: string } | undefined} */
function javaVersionOf(javaHome) {
  try {
    const release = fs.readFileSync(path.join(javaHome, "release"), "utf8");
    const v = /^JAVA_VERSION="?([^"\n]+)"?/m.exec(release)?.[1];
    if (v) return { major: javaMajor(v), version: v };
  } catch {
    // no release file: ask the binary
  }
  const r = spawnSync(path.join(javaHome, "bin", "java"), ["-version"], {
    encoding: "utf8",
    timeout: 20_000,
  });
  const v = /version "([^"]+)"/.exec(`${r.stderr}${r.stdout}`)?.[1];
  return v ? { major: javaMajor(v), version: v } : undefined;
}

/** @param {string} v */
function javaMajor(v) {
  const parts = v.split(/[.+_-]/).map(Number);
  return (parts[0] === 1 ? parts[1] : parts[0]) ?? 0;
}

/** @returns {{ home: string, source: string }[]} candidate Java homes, in order of preference */
function javaCandidates() {
  /** @type {{ home: string, source: string }[]} */
  const out = [];
  if (process.env.NEO4J_JAVA_HOME) out.push({ home: process.env.NEO4J_JAVA_HOME, source: "NEO4J_JAVA_HOME" });
  if (process.env.JAVA_HOME) out.push({ home: process.env.JAVA_HOME, source: "JAVA_HOME" });
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const exe = path.join(dir, "java");
    try {
      fs.accessSync(exe, fs.constants.X_OK);
      out.push({ home: path.dirname(path.dirname(fs.realpathSync(exe))), source: "PATH" });
      break;
    } catch {
      // not here
    }
  }
  for (const root of [
    "/usr/lib/jvm",
    "/usr/local/lib/jvm",
    "/opt/java",
    "/Library/Java/JavaVirtualMachines",
  ]) {
    let names = [];
    try {
      names = fs.readdirSync(root).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const home = path.join(root, name);
      const mac = path.join(home, "Contents", "Home");
      out.push({ home: fs.existsSync(mac) ? mac : home, source: root });
    }
  }
  return out;
}

/**
 * Finds a Java that suits a Neo4j line or version, looking at NEO4J_JAVA_HOME, JAVA_HOME, `java` on PATH
 * and the JDKs under /usr/lib/jvm (and a few other usual places). Among the suitable ones the newest
 * feature version wins (5.26: 17 or 21; calendar releases from 2025.10: 21 or 25).
 * @param {string} [lineOrVersion] "5.26" (default), "latest" or an exact Neo4j version
 * @returns {Promise<JavaInfo>}
 */
export async function findJava(lineOrVersion = "5.26") {
  const wanted = supportedJavaMajors(lineOrVersion);
  const seen = new Set();
  /** @type {JavaInfo[]} */
  const found = [];
  for (const c of javaCandidates()) {
    const exe = path.join(c.home, "bin", "java");
    let real;
    try {
      fs.accessSync(exe, fs.constants.X_OK);
      real = fs.realpathSync(exe);
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    const v = javaVersionOf(c.home);
    if (v)
      found.push({
        javaHome: path.resolve(c.home),
        java: exe,
        major: v.major,
        version: v.version,
        source: c.source,
      });
  }
  const suitable = found.filter((j) => wanted.includes(j.major));
  if (!suitable.length) {
    const have = found.map((j) => `${j.major} (${j.javaHome})`).join(", ") || "none";
    throw new Error(
      `No suitable Java for Neo4j ${lineOrVersion}: it needs Java ${wanted.join(" or ")}; found: ${have}. ` +
        "Install one, or point NEO4J_JAVA_HOME at it.",
    );
  }
  const explicit = suitable.find((j) => j.source === "NEO4J_JAVA_HOME");
  if (explicit) return explicit;
  const best = Math.max(...suitable.map((j) => j.major));
  return /** @type {JavaInfo} */ (suitable.find((j) => j.major === best));
}

// ---------------------------------------------------------------------------------------------------
// Jars

function mvnCommand() {
  return process.env.MVN || "mvn";
}

/**
 * Hash of what pom.xml says about a kind of jar set (the build section and the kind's profiles), so that a
 * jar set fetched with a different pom is fetched again.
 * @param {"neo4j" | "apoc"} kind
 */
function pomHash(kind) {
  const pom = fs.readFileSync(POM, "utf8").replace(/<!--[\s\S]*?-->/g, "");
  const profiles = [...pom.matchAll(/<profile>[\s\S]*?<\/profile>/g)].map((m) => m[0]);
  const mine = profiles.filter((p) => (kind === "apoc" ? /<id>apoc/.test(p) : !/<id>apoc/.test(p)));
  const build = /<build>[\s\S]*?<\/build>/.exec(pom)?.[0] ?? "";
  return createHash("sha256")
    .update([build, ...mine].join("\n"))
    .digest("hex")
    .slice(0, 16);
}

/** @type {Map<string, Promise<{ dir: string, lib: string, marker: any }>>} */
const jarsInflight = new Map();

/**
 * Makes sure `<cache>/<kind>/<version>/lib` holds the runtime classpath (plus artifacts.txt and a .complete
 * marker). Downloads into a temp folder beside it and renames it into place, so a half-download is never
 * taken for a complete one, and concurrent starts do not clash.
 * @param {"neo4j" | "apoc"} kind @param {string} version @param {(msg: string) => void} log
 */
function ensureArtifactDir(kind, version, log) {
  const key = `${kind}:${version}`;
  let p = jarsInflight.get(key);
  if (!p) {
    p = downloadArtifactDir(kind, version, log).finally(() => jarsInflight.delete(key));
    jarsInflight.set(key, p);
  }
  return p;
}

/** @param {"neo4j" | "apoc"} kind @param {string} version @param {(msg: string) => void} log */
async function downloadArtifactDir(kind, version, log) {
  if (!/^[\w.-]+$/.test(version)) throw new Error(`Bad version "${version}"`);
  const base = path.join(cacheRoot(), kind);
  const dir = path.join(base, version);
  const markerFile = path.join(dir, ".complete");
  const existing = readJson(markerFile);
  if (existing && existing.pom === pomHash(kind))
    return { dir, lib: path.join(dir, "lib"), marker: existing };

  const t0 = Date.now();
  log(`Downloading ${kind} ${version} with Maven into ${dir} ...`);
  fs.mkdirSync(base, { recursive: true });
  for (const f of fs.readdirSync(base)) {
    // leftovers: replaced jar sets after a day, and downloads of processes that died mid-way
    const m = /^\.(stale|tmp)-.*?(\d{13})?$/.exec(f);
    const full = path.join(base, f);
    if (!m) continue;
    const age = Date.now() - (m[2] ? Number(m[2]) : fs.statSync(full).mtimeMs);
    if (age > DAY_MS) fs.rmSync(full, { recursive: true, force: true });
  }
  const tmp = fs.mkdtempSync(path.join(base, `.tmp-${version}-`));
  try {
    const lib = path.join(tmp, "lib");
    const artifactsFile = path.join(tmp, "artifacts.txt");
    const args = ["-q", "-B", "-f", POM];
    if (kind === "apoc") args.push(`-P${await apocProfile(version, log)}`, `-Dapoc.version=${version}`);
    else args.push(`-Dneo4j.version=${version}`);
    args.push(
      "dependency:copy-dependencies",
      "dependency:list",
      "-DincludeScope=runtime",
      `-DoutputDirectory=${lib}`,
      `-DoutputFile=${artifactsFile}`,
    );
    const r = await run(mvnCommand(), args, { cwd: HERE });
    if (r.code !== 0) {
      throw new Error(
        `Maven could not fetch ${kind} ${version} (exit ${r.code ?? r.signal}):\n${lastLines(r.stdout + r.stderr, 25)}`,
      );
    }
    const artifacts = parseArtifactList(fs.readFileSync(artifactsFile, "utf8"));
    if (!artifacts.length) throw new Error(`Maven resolved no artifacts for ${kind} ${version}`);
    const missing = artifacts.filter((a) => !fs.existsSync(path.join(lib, a.fileName)));
    if (missing.length)
      throw new Error(`Missing jars after download: ${missing.map((a) => a.fileName).join(", ")}`);
    /** @type {Record<string, unknown>} */
    const marker = { kind, version, pom: pomHash(kind), createdAt: new Date().toISOString(), artifacts };
    if (kind === "neo4j") marker.entryPoint = readEntryPoint(lib, version);
    fs.writeFileSync(path.join(tmp, ".complete"), `${JSON.stringify(marker, null, 2)}\n`);
    fs.chmodSync(tmp, 0o755);
    const isCurrent = () => readJson(markerFile)?.pom === marker.pom;
    if (fs.existsSync(dir) && !isCurrent()) {
      // Incomplete, or fetched with another pom: move it aside and replace it. Running servers may still
      // read jars from it, so it is deleted only a day later (by a later download).
      fs.renameSync(dir, path.join(base, `.stale-${version}-${Date.now()}`));
    }
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      if (!isCurrent()) throw e;
      // someone else finished the same download first; use theirs
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    log(
      `Downloaded ${kind} ${version} (${artifacts.length} jars) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    return { dir, lib: path.join(dir, "lib"), marker: readJson(markerFile) };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The pom profile for an APOC version: "apoc" (apoc-core + apoc-common of the same version, as published
 * since 5.26.6) when that apoc-common exists, else "apoc-shaded" (the old apoc-core "core" classifier jar).
 * @param {string} version @param {(msg: string) => void} log
 */
async function apocProfile(version, log) {
  try {
    const common = await artifactVersions("org.neo4j.procedure", "apoc-common", log);
    return common.includes(version) ? "apoc" : "apoc-shaded";
  } catch {
    return "apoc";
  }
}

/**
 * Parses the output of `dependency:list` ("g:a:type[:classifier]:v:scope -- module ...").
 * @param {string} text
 * @returns {{ groupId: string, artifactId: string, type: string, classifier?: string, version: string, fileName: string }[]}
 */
function parseArtifactList(text) {
  const out = [];
  for (const line of text.split("\n")) {
    const parts = (line.trim().split(/\s+/)[0] ?? "").split(":");
    if (parts.length !== 5 && parts.length !== 6) continue;
    const [groupId, artifactId, type] = parts;
    const classifier = parts.length === 6 ? parts[3] : undefined;
    const version = parts[parts.length - 2];
    if (!groupId || !artifactId || !type || !version) continue;
    const fileName = `${artifactId}-${version}${classifier ? `-${classifier}` : ""}.${type === "bundle" ? "jar" : type}`;
    out.push({ groupId, artifactId, type, ...(classifier ? { classifier } : {}), version, fileName });
  }
  return out;
}

/**
 * The server's main class, from the `org.neo4j.server.startup.EntryPoint` service file in neo4j-<v>.jar.
 * @param {string} lib @param {string} version
 */
function readEntryPoint(lib, version) {
  const fallback = isCalendar(version)
    ? "org.neo4j.server.Neo4jCommunity"
    : "org.neo4j.server.CommunityEntryPoint";
  try {
    const data = readZipEntry(path.join(lib, `neo4j-${version}.jar`), ENTRY_POINT_SERVICE);
    const names = (data?.toString("utf8") ?? "")
      .split("\n")
      .map((l) => l.replace(/#.*/, "").trim())
      .filter(Boolean);
    return names.find((n) => /Community/.test(n)) ?? names[0] ?? fallback;
  } catch {
    return fallback;
  }
}

/**
 * Makes sure the jars of Neo4j `version` (and optionally APOC core) are in the cache
 * (`<cache>/neo4j/<version>/lib`, `<cache>/apoc/<apocVersion>/lib`), fetching them with Maven when missing.
 * @param {string} version exact Neo4j version
 * @param {{ apoc?: boolean, log?: (msg: string) => void }} [opts]
 * @returns {Promise<JarsInfo>}
 */
export async function ensureJars(version, opts = {}) {
  const log = opts.log ?? (() => {});
  const server = await ensureArtifactDir("neo4j", version, log);
  /** @type {any[]} */
  const list = server.marker.artifacts ?? [];
  /** @type {JarsInfo} */
  const info = {
    version,
    dir: server.dir,
    lib: server.lib,
    artifacts: list.map((a) => ({ ...a, file: path.join(server.lib, a.fileName) })),
    entryPoint: server.marker.entryPoint ?? readEntryPoint(server.lib, version),
    apoc: undefined,
  };
  if (opts.apoc) {
    const apocVersion = await resolveApocVersion(version, log);
    const apoc = await ensureArtifactDir("apoc", apocVersion, log);
    const have = new Set(list.map((a) => `${a.groupId}:${a.artifactId}`));
    /** @type {any[]} */
    const apocList = apoc.marker.artifacts ?? [];
    // Skip what the server already ships (plugins/ comes first on the classpath: an older copy there would
    // shadow the server's own, e.g. commons-lang3).
    const jars = apocList
      .filter((a) => !have.has(`${a.groupId}:${a.artifactId}`))
      .map((a) => path.join(apoc.lib, a.fileName));
    info.apoc = { version: apocVersion, dir: apoc.dir, jars };
  }
  return info;
}

// ---------------------------------------------------------------------------------------------------
// Home folder and configuration

/** @param {string} size */
function checkSize(size) {
  if (!/^\d+[kmgKMG]?$/.test(size)) throw new Error(`Bad memory size "${size}" (use e.g. 512m or 1g)`);
  return size;
}

/**
 * neo4j.conf contents.
 * @param {{ version: string, boltPort: number, heap: string, pageCache: string, apoc: boolean,
 *   config?: Record<string, string | number | boolean> }} o
 */
function neo4jConf(o) {
  const calendar = isCalendar(o.version);
  /** @type {Record<string, string | number | boolean>} */
  const s = {
    "server.default_listen_address": "127.0.0.1",
    "server.default_advertised_address": "127.0.0.1",
    "server.bolt.enabled": true,
    "server.bolt.listen_address": `127.0.0.1:${o.boltPort}`,
    "server.bolt.advertised_address": `127.0.0.1:${o.boltPort}`,
    "server.http.enabled": false,
    "server.https.enabled": false,
    "dbms.security.auth_enabled": true,
    "server.memory.heap.initial_size": o.heap,
    "server.memory.heap.max_size": o.heap,
    "server.memory.pagecache.size": o.pageCache,
    "server.directories.import": "import",
    "dbms.usage_report.enabled": false,
    // Test servers: no 256 MiB preallocated transaction log per database, no query log.
    "db.tx_log.preallocate": false,
    "db.logs.query.enabled": "OFF",
    // Bolt waits 5 s + 5 s for its Netty event loops on shutdown by default; a test server need not.
    [calendar
      ? "internal.dbms.bolt.netty_server_shutdown_quiet_period_duration"
      : "internal.dbms.bolt.netty_server_shutdown_quiet_period"]: calendar ? "0s" : 0,
    "internal.dbms.bolt.netty_server_shutdown_timeout": 5,
    "internal.server.bolt.connection_shutdown_wait_time": "0s",
  };
  if (calendar) s["dbms.fleet_manager.enabled"] = false;
  if (o.apoc) s["dbms.security.procedures.unrestricted"] = "apoc.*";
  Object.assign(s, o.config ?? {});
  const lines = ["# Written by scripts/neo4j/server.mjs; rewritten on every start.", ""];
  for (const [k, v] of Object.entries(s)) lines.push(`${k}=${v}`);
  return `${lines.join("\n")}\n`;
}

/**
 * JVM flags, as the official launcher passes them (it reads them from the distribution's neo4j.conf,
 * which a Maven-assembled server does not have).
 * @param {JavaInfo} java @param {string} heap @param {string[]} extra
 */
function jvmFlags(java, heap, extra) {
  return [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    // Java 24+ warns about sun.misc.Unsafe unless told; the calendar launcher adds this too.
    ...(java.major >= 24 ? ["--sun-misc-unsafe-memory-access=allow"] : []),
    ...extra,
  ];
}

/** @param {string} home */
function classpath(home) {
  return ["plugins", "conf", "lib"].map((d) => path.join(home, d, "*")).join(path.delimiter);
}

/**
 * Lays out the home folder: conf/ (neo4j.conf, apoc.conf), data/, logs/, plugins/, run/, import/, and lib/
 * as a symlink to the cached jars (the admin launcher builds its classpath from <home>/lib).
 * @param {string} home @param {JarsInfo} jars @param {string} conf @param {boolean} apoc
 */
function layoutHome(home, jars, conf, apoc) {
  for (const d of ["conf", "data", "logs", "plugins", "run", "import"])
    fs.mkdirSync(path.join(home, d), { recursive: true });
  const lib = path.join(home, "lib");
  let current;
  try {
    current = fs.readlinkSync(lib);
  } catch {
    current = undefined;
  }
  if (current !== jars.lib) {
    fs.rmSync(lib, { recursive: true, force: true });
    fs.symlinkSync(jars.lib, lib, "dir");
  }
  fs.writeFileSync(path.join(home, "conf", "neo4j.conf"), conf);
  const apocConf = path.join(home, "conf", "apoc.conf");
  const plugins = path.join(home, "plugins");
  if (apoc && jars.apoc) {
    fs.writeFileSync(apocConf, "apoc.export.file.enabled=true\napoc.import.file.enabled=true\n");
    for (const jar of jars.apoc.jars) fs.copyFileSync(jar, path.join(plugins, path.basename(jar)));
  } else {
    // A reused home: do not leave APOC from an earlier start behind.
    fs.rmSync(apocConf, { force: true });
    for (const f of fs.readdirSync(plugins))
      if (/^apoc-/.test(f)) fs.rmSync(path.join(plugins, f), { force: true });
  }
}

/** @param {string} home */
function isInitialized(home) {
  return (
    fs.existsSync(path.join(home, "data", "dbms", "auth.ini")) ||
    fs.existsSync(path.join(home, "data", "databases", "system"))
  );
}

/**
 * `neo4j-admin dbms set-initial-password <pw>`, run in one JVM as org.neo4j.cli.AdminTool (what the
 * launcher org.neo4j.server.startup.Neo4jAdminCommand execs in a second JVM), falling back to
 * Neo4jAdminCommand itself. Env NEO4J_SET_PASSWORD=bolt skips both (the caller then changes the password
 * over Bolt).
 * @param {JavaInfo} java @param {string} home @param {string} password
 * @returns {Promise<string | undefined>} undefined on success, else why it failed
 */
async function setInitialPassword(java, home, password) {
  if (process.env.NEO4J_SET_PASSWORD === "bolt") return "NEO4J_SET_PASSWORD=bolt";
  const env = {
    ...process.env,
    NEO4J_HOME: home,
    NEO4J_CONF: path.join(home, "conf"),
    JAVA_HOME: java.javaHome,
    PATH: `${path.join(java.javaHome, "bin")}${path.delimiter}${process.env.PATH ?? ""}`,
    HEAP_SIZE: "256m",
  };
  const quick = ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dfile.encoding=UTF-8"];
  const problems = [];
  for (const main of ["org.neo4j.cli.AdminTool", "org.neo4j.server.startup.Neo4jAdminCommand"]) {
    try {
      const r = await run(
        java.java,
        [...quick, "-cp", classpath(home), main, "dbms", "set-initial-password", password],
        { env, cwd: home, timeoutMs: 120_000 },
      );
      if (r.code === 0 && fs.existsSync(path.join(home, "data", "dbms", "auth.ini"))) return undefined;
      problems.push(`${main}: exit ${r.code ?? r.signal}: ${lastLines(r.stdout + r.stderr, 8)}`);
    } catch (e) {
      problems.push(`${main}: ${errMsg(e)}`);
    }
  }
  return problems.join("\n");
}

// ---------------------------------------------------------------------------------------------------
// Process tracking: what this process started (in library mode) is stopped when it exits.

/** @type {Map<number, { home: string, removeHome: boolean, watchdog?: number }>} */
const owned = new Map();
let handlersInstalled = false;
let signalling = false;

/**
 * Starts a detached shell that stops the server if this Node process dies without running its exit
 * handlers (SIGKILL, a killed test worker): it polls our pid once a second, then SIGTERMs the JVM (checking
 * that the pid still runs Neo4j on this home), SIGKILLs it after 30 s and deletes a temp home.
 * @param {number} serverPid @param {string} home @param {boolean} removeHome
 * @returns {number | undefined} the watchdog's pid
 */
function spawnWatchdog(serverPid, home, removeHome) {
  const script = [
    'while kill -0 "$NODE_PID" 2>/dev/null; do sleep 1; done',
    'ours() { ps -p "$JVM_PID" -o args= 2>/dev/null | grep -q -F -- "--home-dir=$HOME_DIR"; }',
    'if ours; then kill -TERM "$JVM_PID" 2>/dev/null; i=0',
    '  while ours && [ "$i" -lt 30 ]; do sleep 1; i=$((i+1)); done',
    '  if ours; then kill -KILL "$JVM_PID" 2>/dev/null; fi',
    "fi",
    'if [ "$REMOVE_HOME" = 1 ]; then rm -rf -- "$HOME_DIR"; fi',
  ].join("\n");
  try {
    const w = spawn("/bin/sh", ["-c", script], {
      detached: true,
      stdio: "ignore",
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        NODE_PID: String(process.pid),
        JVM_PID: String(serverPid),
        HOME_DIR: home,
        REMOVE_HOME: removeHome ? "1" : "0",
      },
    });
    w.on("error", () => {});
    w.unref();
    return w.pid;
  } catch {
    return undefined;
  }
}

/** Forgets a server this process owned, and ends its watchdog. @param {number} pid */
function forget(pid) {
  const o = owned.get(pid);
  owned.delete(pid);
  if (o?.watchdog) {
    try {
      process.kill(o.watchdog, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

function installHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", onExit);
  if (isMainThread) for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, onSignal);
}

function uninstallHandlers() {
  if (!handlersInstalled || owned.size) return;
  handlersInstalled = false;
  process.off("exit", onExit);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.off(sig, onSignal);
}

/** Synchronous: the process is exiting. SIGTERM everything, wait up to 20 s, then SIGKILL. */
function onExit() {
  if (!owned.size) return;
  const pids = [...owned.keys()];
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // gone
    }
  }
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 20_000;
  while (pids.some(isAlive) && Date.now() < deadline) Atomics.wait(cell, 0, 0, 100);
  for (const pid of pids) {
    if (isAlive(pid)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    const o = owned.get(pid);
    if (o?.removeHome) {
      try {
        fs.rmSync(o.home, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
    forget(pid);
  }
}

/** @param {NodeJS.Signals} sig */
async function onSignal(sig) {
  if (signalling) return;
  signalling = true;
  const entries = [...owned.entries()];
  await Promise.all(
    entries.map(async ([pid, o]) => {
      await stopByPid(pid, { timeoutMs: 20_000 }).catch(() => {});
      forget(pid);
      if (o.removeHome) await fsp.rm(o.home, { recursive: true, force: true }).catch(() => {});
    }),
  );
  const othersListen = process.listenerCount(sig) > 1;
  uninstallHandlers();
  signalling = false;
  // If nobody else handles the signal, die of it as we would have without our handler.
  if (!othersListen) process.kill(process.pid, sig);
}

/**
 * Stops a process by its id: SIGTERM, wait up to `timeoutMs`, then SIGKILL and wait for it to be gone.
 * @param {number} pid
 * @param {{ timeoutMs?: number, log?: (msg: string) => void }} [opts]
 * @returns {Promise<boolean>} true if the process was running
 */
export async function stopByPid(pid, opts = {}) {
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid)
    throw new Error(`Refusing to stop pid ${pid}`);
  if (!isAlive(pid)) return false;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return false;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    opts.log?.(`pid ${pid} did not stop within ${timeoutMs} ms; killing it`);
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
    const killDeadline = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < killDeadline) await sleep(50);
    if (isAlive(pid)) throw new Error(`pid ${pid} survived SIGKILL`);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Start

/** @param {any} e */
const isAuthFailure = (e) => /Security\.(Unauthorized|AuthenticationRateLimit)/.test(String(e?.code ?? ""));

/**
 * Starts a Neo4j Community server from Maven Central jars with authentication on, listening on 127.0.0.1
 * only (a free Bolt port; HTTP/HTTPS off), and waits until Bolt accepts the credentials.
 * @param {StartOptions} [options]
 * @returns {Promise<Neo4jServer>}
 */
export async function startNeo4j(options = {}) {
  const log = options.log ?? (() => {});
  const t0 = Date.now();
  const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const password = options.password ?? process.env.NEO4J_PASSWORD ?? DEFAULT_PASSWORD;
  if (password.length < 8) throw new Error("The Neo4j password must be at least 8 characters long");
  const heap = checkSize(options.heap ?? process.env.NEO4J_HEAP ?? DEFAULT_HEAP);
  const pageCache = checkSize(options.pageCache ?? process.env.NEO4J_PAGECACHE ?? DEFAULT_PAGE_CACHE);
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const apoc = !!options.apoc;

  const version = options.version ?? (await resolveVersion(options.line ?? "5.26", { log }));
  const line = options.version ? lineOf(options.version) : (options.line ?? "5.26");
  const java = await findJava(version);
  log(`Neo4j ${version} (line ${line}) on Java ${java.major} (${java.javaHome})`);
  const jars = await ensureJars(version, { apoc, log });

  const tempHome = !options.home;
  const home = options.home
    ? path.resolve(options.home)
    : fs.mkdtempSync(path.join(os.tmpdir(), `neo4j-backup-${line.replace(/[^\w.-]/g, "_")}-`));
  const removeHome = tempHome && !options.keepHome;
  const detached = !!options.detached;
  const neo4j = (await import("neo4j-driver")).default;

  let fallbackPassword = false;
  /** @type {number | undefined} */
  let pid;
  try {
    if (!tempHome) fs.mkdirSync(home, { recursive: true });
    const needsPassword = !isInitialized(home);
    for (let attempt = 1; ; attempt++) {
      const boltPort = options.boltPort ?? (await freePort());
      const conf = neo4jConf({ version, boltPort, heap, pageCache, apoc, config: options.config });
      layoutHome(home, jars, conf, apoc);
      if (needsPassword && attempt === 1) {
        const failure = await setInitialPassword(java, home, password);
        if (failure) {
          log(`set-initial-password failed (${failure}); will change the password over Bolt after start`);
          fallbackPassword = true;
        }
      }

      const logs = path.join(home, "logs");
      const stdoutFile = path.join(logs, "stdout.log");
      const stderrFile = path.join(logs, "stderr.log");
      const out = fs.openSync(stdoutFile, "a");
      const err = fs.openSync(stderrFile, "a");
      const args = [
        ...jvmFlags(java, heap, options.jvmArgs ?? []),
        "-cp",
        classpath(home),
        jars.entryPoint,
        `--home-dir=${home}`,
        `--config-dir=${path.join(home, "conf")}`,
      ];
      const child = spawn(java.java, args, {
        cwd: home,
        detached,
        stdio: ["ignore", out, err],
        env: {
          ...process.env,
          NEO4J_HOME: home,
          NEO4J_CONF: path.join(home, "conf"),
          JAVA_HOME: java.javaHome,
        },
      });
      fs.closeSync(out);
      fs.closeSync(err);
      /** @type {string | undefined} */
      let exited;
      /** @type {Promise<void>} */
      const exitEvent = new Promise((resolve) => {
        child.on("exit", (code, signal) => {
          exited = `exited with ${code ?? signal}`;
          resolve();
        });
      });
      child.on("error", (e) => {
        exited = `could not be started: ${e.message}`;
      });
      child.unref();
      pid = child.pid;
      if (!pid) {
        await sleep(100);
        throw new Error(`java ${exited ?? "did not start"}`);
      }
      if (!detached) {
        owned.set(pid, { home, removeHome, watchdog: spawnWatchdog(pid, home, removeHome) });
        installHandlers();
      }
      log(`Started JVM pid ${pid}; waiting for Bolt on 127.0.0.1:${boltPort} ...`);
      const uri = `bolt://127.0.0.1:${boltPort}`;
      const deadline = Date.now() + startTimeoutMs;

      /** @param {string} why */
      const failure = (why) => {
        const kept = !removeHome || process.env.NEO4J_KEEP_FAILED_HOME;
        const parts = [
          `Neo4j ${version} did not start (${why}); home: ${home}${kept ? "" : " (deleted; set NEO4J_KEEP_FAILED_HOME=1 to keep it)"}`,
        ];
        for (const [name, n] of /** @type {const} */ ([
          ["neo4j.log", 30],
          ["debug.log", 40],
          ["stderr.log", 30],
          ["stdout.log", 15],
        ])) {
          const t = tailFile(path.join(logs, name), n);
          if (t) parts.push(`--- logs/${name} (tail) ---\n${t}`);
        }
        return new Error(parts.join("\n"));
      };
      const portTaken = () =>
        /Address already in use|BindException/.test(tailFile(path.join(logs, "debug.log"), 200) ?? "");

      try {
        if (fallbackPassword) {
          await waitForBolt(neo4j, uri, "neo4j", deadline, () => exited, true);
          await changeInitialPassword(neo4j, uri, password);
          fallbackPassword = false;
        }
        const info = await waitForBolt(neo4j, uri, password, deadline, () => exited, false);
        log(`Neo4j ${info.version} (${info.edition}) is up at ${uri} after ${secs()}`);
        const serverPid = pid;
        let stopped = false;
        return {
          uri,
          username: "neo4j",
          password,
          version: info.version,
          edition: info.edition,
          line,
          pid: serverPid,
          home,
          boltPort,
          tempHome,
          java,
          apocVersion: jars.apoc?.version,
          stop: async () => {
            if (stopped) return;
            stopped = true;
            try {
              await stopByPid(serverPid, { timeoutMs: options.stopTimeoutMs, log });
              // let Node reap its child, so no zombie is left behind when stop() resolves
              if (!detached) await Promise.race([exitEvent, sleep(2_000)]);
            } finally {
              forget(serverPid);
              uninstallHandlers();
            }
            if (removeHome) await fsp.rm(home, { recursive: true, force: true });
          },
        };
      } catch (e) {
        const why = e instanceof BoltWaitError ? e.message : `error: ${errMsg(e)}`;
        const retry = attempt < 3 && portTaken() && !(e instanceof BoltWaitError && e.auth);
        const error = failure(why);
        await stopByPid(pid, { timeoutMs: 15_000 }).catch(() => {});
        forget(pid);
        uninstallHandlers();
        pid = undefined;
        if (!retry) throw error;
        log(`Bolt port ${boltPort} was taken; retrying with another port`);
        for (const f of ["debug.log", "neo4j.log"]) fs.rmSync(path.join(logs, f), { force: true });
      }
    }
  } catch (e) {
    if (pid !== undefined) {
      await stopByPid(pid, { timeoutMs: 15_000 }).catch(() => {});
      forget(pid);
      uninstallHandlers();
    }
    // The error carries the log tails; keep a failed temp home only when asked to.
    if (removeHome && !process.env.NEO4J_KEEP_FAILED_HOME)
      await fsp.rm(home, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
}

class BoltWaitError extends Error {
  /** @param {string} message @param {boolean} auth */
  constructor(message, auth) {
    super(message);
    this.auth = auth;
  }
}

/**
 * Retries verifyConnectivity() and then `CALL dbms.components()` until both work, the deadline passes or the
 * process exits.
 * @param {any} neo4j the neo4j-driver module
 * @param {string} uri @param {string} password @param {number} deadline
 * @param {() => string | undefined} exited
 * @param {boolean} initial logging in with the initial (expired) neo4j/neo4j credentials: skip the query
 * @returns {Promise<{ version: string, edition: string }>}
 */
async function waitForBolt(neo4j, uri, password, deadline, exited, initial) {
  const driver = neo4j.driver(uri, neo4j.auth.basic("neo4j", initial ? "neo4j" : password), {
    connectionTimeout: 5_000,
    connectionAcquisitionTimeout: 10_000,
    maxConnectionPoolSize: 2,
    userAgent: "neo4j-backup-dev-server",
  });
  /** @type {unknown} */
  let last;
  try {
    while (true) {
      const gone = exited();
      if (gone) throw new BoltWaitError(`the server process ${gone}`, false);
      if (Date.now() > deadline) throw new BoltWaitError(`timed out; last error: ${errMsg(last)}`, false);
      try {
        await driver.verifyConnectivity();
        if (initial) return { version: "", edition: "" };
        const res = await driver.executeQuery(
          "CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition",
          {},
          { database: "system" },
        );
        const rec =
          res.records.find((/** @type {any} */ r) => /kernel/i.test(String(r.get("name")))) ?? res.records[0];
        return { version: String(rec.get("versions")[0]), edition: String(rec.get("edition")) };
      } catch (e) {
        if (isAuthFailure(e)) {
          throw new BoltWaitError(
            `Bolt refused the credentials (${/** @type {any} */ (e).code}); if the home folder was created ` +
              "with another password, pass that one or use a fresh home",
            true,
          );
        }
        last = e;
        await sleep(250);
      }
    }
  } finally {
    await driver.close().catch(() => {});
  }
}

/**
 * Fallback when set-initial-password is unusable: log in as neo4j/neo4j and change the password.
 * @param {any} neo4j @param {string} uri @param {string} password
 */
async function changeInitialPassword(neo4j, uri, password) {
  const driver = neo4j.driver(uri, neo4j.auth.basic("neo4j", "neo4j"));
  try {
    const session = driver.session({ database: "system" });
    try {
      await session.run("ALTER CURRENT USER SET PASSWORD FROM $old TO $new", { old: "neo4j", new: password });
    } finally {
      await session.close();
    }
  } finally {
    await driver.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// CLI

const USAGE = `Usage: node scripts/neo4j/server.mjs <command> [options]

Commands:
  start    Start a server in the background (it keeps running after this exits) and print how to reach it.
           --line 5.26|latest   which line (default 5.26)      --version X   exact Neo4j version
           --apoc               install APOC core              --home DIR    home folder (kept on stop)
           --password PW        password of user neo4j (default ${DEFAULT_PASSWORD})
           --heap SIZE --pagecache SIZE --timeout SECONDS --json
  stop     Stop servers started with "start".  --line X | --all (default: all)   --keep (keep temp home)
  status   Show the servers started with "start".  --json
  versions Show the versions and the Java each line would use.
  fetch    Download the jars of a line into the cache.  --line X | --version X  --apoc

  -h, --help   this text (with any command: nothing is started). Any other option is an error.
`;

/** The options each command takes; any other option is an error, and nothing is started. */
const COMMAND_FLAGS = {
  start: ["line", "version", "apoc", "home", "password", "heap", "pagecache", "timeout", "json"],
  stop: ["line", "version", "all", "keep"],
  status: ["json"],
  versions: [],
  fetch: ["line", "version", "apoc"],
  help: [],
};
const VALUE_FLAGS = new Set(["line", "version", "home", "password", "heap", "pagecache", "timeout"]);

/**
 * Parses `<command> [--flag[=value] | --flag value]…`. `--help`/`-h` anywhere asks for the usage;
 * an unknown option or a stray argument is an error (so that nothing starts by mistake).
 * @param {string[]} argv
 * @returns {{ command: string | undefined, flags: Record<string, string | boolean>, help: boolean, error?: string }}
 */
export function parseArgs(argv) {
  /** @type {Record<string, string | boolean>} */
  const flags = {};
  const rest = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "-h" || a === "--help") help = true;
    else if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = a.slice(2, eq < 0 ? undefined : eq);
      if (eq >= 0) flags[name] = a.slice(eq + 1);
      else if (VALUE_FLAGS.has(name)) {
        if (i + 1 >= argv.length) return { command: rest[0], flags, help, error: `--${name} needs a value` };
        flags[name] = argv[++i] ?? "";
      } else flags[name] = true;
    } else if (a.startsWith("-") && a.length > 1) {
      return { command: rest[0], flags, help, error: `unknown option ${a}` };
    } else rest.push(a);
  }
  const command = rest[0];
  if (help || command === undefined) return { command, flags, help };
  const allowed = /** @type {Record<string, string[]>} */ (COMMAND_FLAGS)[command];
  if (!allowed) return { command, flags, help, error: `unknown command "${command}"` };
  const unknown = Object.keys(flags).find((f) => !allowed.includes(f));
  if (unknown) return { command, flags, help, error: `unknown option --${unknown} for "${command}"` };
  if (rest.length > 1) return { command, flags, help, error: `unexpected argument "${rest[1]}"` };
  return { command, flags, help };
}

function runDir() {
  return path.join(cacheRoot(), "run");
}

/** @returns {{ file: string, state: any }[]} */
function readStates() {
  try {
    return fs
      .readdirSync(runDir())
      .filter((f) => f.endsWith(".json"))
      .map((f) => ({ file: path.join(runDir(), f), state: readJson(path.join(runDir(), f)) }))
      .filter((s) => s.state && Number.isInteger(s.state.pid));
  } catch {
    return [];
  }
}

/** @param {any} s */
function describe(s) {
  return [
    `Neo4j ${s.version} (${s.edition}) [line ${s.line}]${s.apocVersion ? ` with APOC ${s.apocVersion}` : ""}`,
    `  uri:      ${s.uri}`,
    `  username: ${s.username}`,
    `  password: ${s.password}`,
    `  pid:      ${s.pid}`,
    `  home:     ${s.home}${s.tempHome ? " (temp; deleted on stop)" : ""}`,
    `  java:     ${s.javaHome} (${s.javaMajor})`,
    `  started:  ${s.startedAt}`,
  ].join("\n");
}

/** @param {string[]} argv */
async function cli(argv) {
  const { command, flags, help, error } = parseArgs(argv);
  if (help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (error) {
    process.stderr.write(`${error}\n${USAGE}`);
    return 2;
  }
  const json = !!flags.json;
  const progress = (/** @type {string} */ m) => process.stderr.write(`${m}\n`);
  const lineFlag = typeof flags.line === "string" ? flags.line : undefined;
  if (lineFlag && !LINES.includes(/** @type {Line} */ (lineFlag)))
    throw new Error(`--line must be one of ${LINES.join(", ")}`);
  const versionFlag = typeof flags.version === "string" ? flags.version : undefined;

  switch (command) {
    case "start": {
      const key = versionFlag ? lineOf(versionFlag) : (lineFlag ?? "5.26");
      const stateFile = path.join(runDir(), `${key.replace(/[^\w.-]/g, "_")}.json`);
      const prev = readJson(stateFile);
      if (prev && isNeo4jOn(prev.pid, prev.home)) {
        if (json) process.stdout.write(`${JSON.stringify(prev, null, 2)}\n`);
        else process.stdout.write(`Already running:\n${describe(prev)}\n`);
        return 0;
      }
      if (prev) fs.rmSync(stateFile, { force: true });
      const server = await startNeo4j({
        line: /** @type {Line | undefined} */ (lineFlag),
        version: versionFlag,
        apoc: !!flags.apoc,
        home: typeof flags.home === "string" ? flags.home : undefined,
        password: typeof flags.password === "string" ? flags.password : undefined,
        heap: typeof flags.heap === "string" ? flags.heap : undefined,
        pageCache: typeof flags.pagecache === "string" ? flags.pagecache : undefined,
        startTimeoutMs: typeof flags.timeout === "string" ? Number(flags.timeout) * 1000 : undefined,
        detached: true,
        log: progress,
      });
      const state = {
        line: key,
        version: server.version,
        edition: server.edition,
        uri: server.uri,
        username: server.username,
        password: server.password,
        boltPort: server.boltPort,
        pid: server.pid,
        home: server.home,
        tempHome: server.tempHome,
        javaHome: server.java.javaHome,
        javaMajor: server.java.major,
        apocVersion: server.apocVersion,
        startedAt: new Date().toISOString(),
      };
      writeJsonAtomic(stateFile, state, 0o600);
      if (json) process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
      else {
        process.stdout.write(
          `${describe(state)}\nStop it with: node scripts/neo4j/server.mjs stop --line ${key}\n`,
        );
      }
      return 0;
    }
    case "stop": {
      const all = !!flags.all || (!lineFlag && !versionFlag);
      const key = versionFlag ? lineOf(versionFlag) : lineFlag;
      const states = readStates().filter((s) => all || s.state.line === key);
      if (!states.length) {
        process.stdout.write(
          all ? "No Neo4j server is running.\n" : `No Neo4j server is running for ${key}.\n`,
        );
        return 0;
      }
      for (const { file, state } of states) {
        if (isNeo4jOn(state.pid, state.home)) {
          const t = Date.now();
          await stopByPid(state.pid, { log: progress });
          process.stdout.write(
            `Stopped Neo4j ${state.version} [line ${state.line}] pid ${state.pid} in ${Date.now() - t} ms\n`,
          );
        } else {
          process.stdout.write(
            `Neo4j ${state.version} [line ${state.line}] pid ${state.pid} was not running\n`,
          );
        }
        if (state.tempHome && !flags.keep) fs.rmSync(state.home, { recursive: true, force: true });
        else process.stdout.write(`  kept home ${state.home}\n`);
        fs.rmSync(file, { force: true });
      }
      return 0;
    }
    case "status": {
      const states = readStates();
      const live = [];
      for (const { file, state } of states) {
        if (isNeo4jOn(state.pid, state.home)) live.push(state);
        else {
          progress(`(removing stale record of pid ${state.pid} for line ${state.line})`);
          fs.rmSync(file, { force: true });
        }
      }
      if (json) process.stdout.write(`${JSON.stringify(live, null, 2)}\n`);
      else if (!live.length) process.stdout.write("No Neo4j server is running.\n");
      else process.stdout.write(`${live.map(describe).join("\n\n")}\n`);
      return 0;
    }
    case "versions": {
      for (const line of LINES) {
        try {
          const v = await resolveVersion(line, { log: progress });
          const j = await findJava(v).then(
            (x) => `Java ${x.major} (${x.javaHome})`,
            (e) => errMsg(e),
          );
          const cached = fs.existsSync(path.join(cacheRoot(), "neo4j", v, ".complete"))
            ? "jars cached"
            : "jars not cached";
          process.stdout.write(`${line}: ${v} — ${j} — ${cached}\n`);
        } catch (e) {
          process.stdout.write(`${line}: ${errMsg(e)}\n`);
        }
      }
      process.stdout.write(`cache: ${cacheRoot()}\n`);
      return 0;
    }
    case "fetch": {
      const v =
        versionFlag ?? (await resolveVersion(/** @type {Line} */ (lineFlag ?? "5.26"), { log: progress }));
      const jars = await ensureJars(v, { apoc: !!flags.apoc, log: progress });
      process.stdout.write(
        `Neo4j ${v}: ${jars.lib}${jars.apoc ? `\nAPOC ${jars.apoc.version}: ${jars.apoc.dir}` : ""}\n`,
      );
      return 0;
    }
    case undefined:
    case "help":
      process.stdout.write(USAGE);
      return command ? 0 : 2;
    default:
      process.stderr.write(`Unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

const invokedDirectly = (() => {
  try {
    return (
      !!process.argv[1] &&
      fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url))
    );
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  cli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`${errMsg(e)}\n`);
      process.exitCode = 1;
    },
  );
}
