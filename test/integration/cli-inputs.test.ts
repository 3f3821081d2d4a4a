/**
 * The command on inputs that are wrong or weaker than they look, run as separate processes against
 * real servers: files whose metadata no checksum protects (`info --strict`), a passphrase in
 * NEO4J_BACKUP_PASSPHRASE that must appear in no output, and the wording of what goes wrong —
 * damaged files, S3 endpoints that are not S3 or do not answer, unfinished multipart uploads.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { CreateMultipartUploadCommand } from "@aws-sdk/client-s3";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import { type BackupError, FileSystemStorage, restoreBackup } from "../../src/index.js";
import {
  type CliRun,
  cliEnv,
  disposeCli,
  jsonOf,
  prepareCli,
  runCli,
  serverEnv,
} from "../support/cli-run.js";
import { buildDocument } from "../support/documents.js";
import { closedPort } from "../support/ports.js";
import { adminClient, freshPrefix, listUploads, removePrefix, s3Service } from "../support/s3.js";
import { driverFor, testServers } from "../support/servers.js";

/** A passphrase that appears nowhere else, to search every output for. */
const PASSPHRASE = "Walrus-Tangerine-5512-phrase";
const WRONG_PASSPHRASE = "Heron-Cobalt-9034-phrase";

const everything = (run: CliRun) => run.stdout + run.stderr;

let root: string;
beforeAll(async () => {
  await prepareCli();
  root = await mkdtemp(join(tmpdir(), "neo4j-backup-inputs-"));
});
const prefixes: string[] = [];
afterAll(async () => {
  await disposeCli();
  await rm(root, { recursive: true, force: true });
  for (const prefix of prefixes.splice(0)) await removePrefix(prefix);
});

/** A backup file cut short inside its gzip stream. */
async function cutGzip(dir: string, name: string): Promise<void> {
  const gz = gzipSync(buildDocument());
  await writeFile(join(dir, name), gz.subarray(0, gz.length - 30));
}

/** A web server that answers every request with a sign-in page, as a console or proxy does. */
async function htmlServer(): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(
      "<!doctype html>\n<html><head><meta charset=utf-8><title>Sign in</title></head><body><p>Welcome<br></body></html>\n",
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("what the command says about damaged files and S3 endpoints (no database)", () => {
  it("a damaged compressed file: info names the damage without empty parentheses (exit 3)", async () => {
    const dir = join(root, "damaged");
    await runCli(["--dir", dir, "init"], { env: cliEnv() });
    await cutGzip(dir, "neo4j_backup_20250101_000000.json.gz");
    const [text, json] = await Promise.all([
      runCli(["--dir", dir, "info", "neo4j_backup_20250101_000000.json.gz"], { env: cliEnv() }),
      runCli(["--dir", dir, "info", "--json", "neo4j_backup_20250101_000000.json.gz"], { env: cliEnv() }),
    ]);
    expect(text.code).toBe(EXIT.invalid);
    expect(text.stdout).toMatch(
      /error CORRUPT: neo4j_backup_20250101_000000\.json\.gz is damaged: its gzip stream is broken \(unexpected end of file\)\n/,
    );
    expect(everything(text)).not.toContain("()");
    expect(jsonOf(json)).toMatchObject({
      valid: false,
      problems: [{ code: "CORRUPT", location: { path: "" } }],
    });
  });

  it("an endpoint that answers with an HTML page: one line saying it did not answer as S3 and what to check (exit 1)", async () => {
    const { server, endpoint } = await htmlServer();
    try {
      const env = cliEnv({ AWS_ACCESS_KEY_ID: "inputs-test", AWS_SECRET_ACCESS_KEY: "inputs-test-secret" });
      const s3 = (args: string[]) =>
        runCli(
          [
            "--storage",
            "s3://some-bucket/backups",
            "--s3-endpoint",
            endpoint,
            "--s3-force-path-style",
            ...args,
          ],
          { env },
        );
      const [list, info, json] = await Promise.all([
        s3(["list"]),
        s3(["info", "neo4j_backup_20250101_000000.json"]),
        s3(["list", "--json"]),
      ]);
      for (const run of [list, info]) {
        expect(run.code, everything(run)).toBe(EXIT.failure);
        expect(run.stdout).toBe("");
        expect(run.stderr.trim().split("\n")).toHaveLength(1);
        expect(run.stderr).toContain(
          `the endpoint ${endpoint} did not answer as an S3 service for s3://some-bucket/backups/: it answered with an HTML page (HTTP 200); check --s3-endpoint: it must be the address of the S3 API`,
        );
        expect(run.stderr).not.toMatch(/Deserialization|--dir|char '<'/);
      }
      expect(JSON.parse(json.stderr)).toMatchObject({
        code: "STORAGE",
        message: expect.stringContaining("did not answer as an S3 service"),
        hint: expect.stringContaining("--s3-endpoint"),
        exitCode: EXIT.failure,
      });
    } finally {
      server.close();
    }
  });

  it("--s3-endpoint that is not a URL and --s3-max-attempts out of range are usage errors naming the option (exit 2)", async () => {
    const runs = await Promise.all([
      runCli(["--storage", "s3://some-bucket/backups", "--s3-endpoint", "not-a-url", "list"], {
        env: cliEnv(),
      }),
      runCli(["--storage", "s3://some-bucket/backups", "list", "--json"], {
        env: cliEnv({ NEO4J_BACKUP_S3_ENDPOINT: "ftp://127.0.0.1:21" }),
      }),
      runCli(["--storage", "s3://some-bucket/backups", "--s3-max-attempts", "0", "list"], { env: cliEnv() }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([EXIT.usage, EXIT.usage, EXIT.usage]);
    expect(runs[0]!.stderr).toMatch(
      /^error: option '--s3-endpoint <url>' argument 'not-a-url' is invalid\. expected the service's http:\/\/ or https:\/\/ address/,
    );
    expect(JSON.parse(runs[1]!.stderr)).toMatchObject({
      code: "USAGE",
      message: expect.stringContaining("NEO4J_BACKUP_S3_ENDPOINT"),
    });
    expect(runs[2]!.stderr).toMatch(
      /option '--s3-max-attempts <n>' argument '0' is invalid\. expected a whole number from 1 to 20/,
    );
    for (const run of runs) expect(run.stderr).not.toMatch(/TypeError|\n\s+at /);
  });

  it("--s3-max-attempts sets the attempts per request: a service that does not answer fails after that many", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const env = cliEnv({ AWS_ACCESS_KEY_ID: "inputs-test", AWS_SECRET_ACCESS_KEY: "inputs-test-secret" });
    const s3 = (args: string[]) =>
      runCli(["--storage", "s3://some-bucket/backups", "--s3-endpoint", endpoint, ...args, "list"], { env });
    const [two, byDefault, fromEnv] = await Promise.all([
      s3(["--s3-max-attempts", "2"]),
      s3([]),
      runCli(["--storage", "s3://some-bucket/backups", "--s3-endpoint", endpoint, "list"], {
        env: { ...env, NEO4J_BACKUP_S3_MAX_ATTEMPTS: "3" },
      }),
    ]);
    expect([two.code, byDefault.code, fromEnv.code]).toEqual([EXIT.failure, EXIT.failure, EXIT.failure]);
    expect(two.stderr).toMatch(/failed for s3:\/\/some-bucket\/backups\/ after 2 attempts: .*ECONNREFUSED/);
    expect(byDefault.stderr).toMatch(/ after 5 attempts: /);
    expect(fromEnv.stderr).toMatch(/ after 3 attempts: /);
    expect(two.stderr).toContain("--s3-max-attempts retries longer");
  });

  it("list and info count the unfinished multipart uploads below the prefix and say how they go; a copy into the bucket aborts them", async () => {
    const service = s3Service();
    const prefix = freshPrefix("inputs");
    prefixes.push(prefix);
    const location = `s3://${service.bucket}/${prefix}`;
    const s3Args = [
      ...(service.endpoint ? ["--s3-endpoint", service.endpoint] : []),
      "--s3-region",
      service.region,
      ...(service.forcePathStyle ? ["--s3-force-path-style"] : []),
    ];
    const env = cliEnv({
      AWS_ACCESS_KEY_ID: service.credentials?.accessKeyId,
      AWS_SECRET_ACCESS_KEY: service.credentials?.secretAccessKey,
    });
    const folder = await mkdtemp(join(root, "uploads-"));
    const first = "neo4j_backup_20250101_000000.json";
    const second = "neo4j_backup_20250102_000000.json";
    await writeFile(join(folder, first), buildDocument());
    await writeFile(join(folder, second), buildDocument());
    const copy = (name: string) =>
      runCli(["--dir", folder, "copy", name, "--to", location, ...s3Args], { env });
    const s3 = (args: string[]) => runCli(["--storage", location, ...s3Args, ...args], { env });
    expect((await copy(first)).code).toBe(EXIT.ok);
    // what a writer killed mid-upload leaves: two uploads of backups that never completed
    const client = adminClient(service);
    try {
      for (const name of ["neo4j_backup_20250103_000000.json", "neo4j_backup_20250104_000000.json.gz"])
        await client.send(
          new CreateMultipartUploadCommand({ Bucket: service.bucket, Key: `${prefix}${name}` }),
        );
    } finally {
      client.destroy();
    }
    expect(await listUploads(prefix)).toHaveLength(2);
    const [list, listJson, info] = await Promise.all([
      s3(["list"]),
      s3(["list", "--json"]),
      s3(["info", first]),
    ]);
    for (const run of [list, info]) {
      expect(run.code, everything(run)).toBe(EXIT.ok);
      expect(run.stderr).toContain(`note: 2 unfinished multipart uploads below ${location}`);
      expect(run.stderr).toContain(
        "The next command that writes to the storage (create, restore, copy) takes its lock and aborts them; a bucket lifecycle rule AbortIncompleteMultipartUpload removes them too (docs/storage.md).",
      );
    }
    expect(list.stdout).toContain(`1 backup in ${location}`);
    expect(jsonOf(listJson)).toMatchObject({ unfinishedUploads: 2, backups: [{ name: first }] });
    expect(listJson.stderr).toBe("");
    // a copy into the bucket takes the lock, which aborts them
    expect((await copy(second)).code).toBe(EXIT.ok);
    expect(await listUploads(prefix)).toEqual([]);
    const after = await s3(["list", "--json"]);
    expect(jsonOf(after)).toMatchObject({ unfinishedUploads: 0 });
    const afterText = await s3(["list"]);
    expect(afterText.stderr).not.toContain("unfinished");
  });
});

describe("info on a file whose metadata no checksum protects", () => {
  it("info lists an UNPROTECTED warning and exits 0; info --strict refuses it (exit 3), also with --json", async () => {
    const dir = join(root, "unprotected");
    await runCli(["--dir", dir, "init"], { env: cliEnv() });
    const old = "neo4j_backup_20250101_000000.json";
    const edited = "neo4j_backup_20250102_000000.json";
    const current = "neo4j_backup_20250103_000000.json";
    const document = buildDocument(undefined, undefined, undefined, { metadataChecksum: false });
    await writeFile(join(dir, old), document);
    await writeFile(join(dir, edited), document.replace('"reason":"test"', '"reason":"edited afterwards"'));
    await writeFile(join(dir, current), buildDocument());
    const cli = (args: string[]) => runCli(["--dir", dir, ...args], { env: cliEnv() });
    const [plain, editedPlain, strict, strictJson, currentStrict] = await Promise.all([
      cli(["info", old]),
      cli(["info", edited]),
      cli(["info", "--strict", edited]),
      cli(["info", "--strict", "--json", old]),
      cli(["info", "--strict", current]),
    ]);
    for (const run of [plain, editedPlain]) {
      expect(run.code, run.stderr).toBe(EXIT.ok);
      expect(run.stdout).toMatch(/: valid\n/);
      expect(run.stdout).toMatch(
        /warning UNPROTECTED: the file has no metadata_checksum \(it was written before the checksum existed\): a change to its metadata — reason, counts, schema — cannot be detected \(line 1, metadata\)\n/,
      );
    }
    expect(editedPlain.stdout).toMatch(/Reason: +edited afterwards/);
    expect(strict.code).toBe(EXIT.invalid);
    expect(strict.stdout).toMatch(/: invalid: 1 problem\n/);
    expect(strict.stdout).toMatch(
      /error UNPROTECTED: .*strict validation refuses such a file \(line 1, metadata\)/,
    );
    expect(strictJson.code).toBe(EXIT.invalid);
    expect(jsonOf(strictJson)).toMatchObject({
      valid: false,
      problems: [{ severity: "error", code: "UNPROTECTED", location: { line: 1, path: "metadata" } }],
    });
    expect(currentStrict.code, currentStrict.stdout).toBe(EXIT.ok);
    expect(currentStrict.stdout).not.toContain("UNPROTECTED");
  });
});

describe.each(testServers())("the command's inputs on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let dir: string;
  beforeAll(async () => {
    driver = driverFor(server);
    dir = await mkdtemp(join(root, `backups-${server.label}-`));
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 5, nodes: 30, special: false });
  });
  afterAll(async () => {
    await driver?.close();
  });

  it("restore of a damaged compressed file names the damage without empty parentheses and writes nothing (exit 3)", async () => {
    const name = "neo4j_backup_20250101_000000.json.gz";
    const own = await mkdtemp(join(root, "restore-damaged-"));
    await cutGzip(own, name);
    const restored = await runCli(["--dir", own, "restore", "--file", name, "--mode", "replace", "--yes"], {
      env: serverEnv(server),
    });
    expect(restored.code, everything(restored)).toBe(EXIT.invalid);
    expect(restored.stderr).toMatch(
      /fails validation: neo4j_backup_20250101_000000\.json\.gz is damaged: its gzip stream is broken \(unexpected end of file\); nothing was written/,
    );
    expect(everything(restored)).not.toContain("()");
    // the library's own words
    const refused = await restoreBackup({
      driver,
      storage: new FileSystemStorage({ directory: own }),
      name,
      mode: "replace",
    }).catch((error: unknown) => error as BackupError);
    expect(refused).toMatchObject({ code: "VALIDATION_FAILED" });
    expect((refused as BackupError).message).toMatch(
      /with 1 problem\(s\) — first problem: neo4j_backup_20250101_000000\.json\.gz is damaged: its gzip stream is broken \(unexpected end of file\); nothing was written$/,
    );
  });

  it("the passphrase in NEO4J_BACKUP_PASSPHRASE appears in no output: results, --json, --verbose, wrong passphrases, failing commands", async () => {
    const withPassphrase = (overrides: Record<string, string | undefined> = {}) =>
      serverEnv(server, { NEO4J_BACKUP_PASSPHRASE: PASSPHRASE, ...overrides });
    const cli = (args: string[], env = withPassphrase()) => runCli(["--dir", dir, ...args], { env });
    expect((await cli(["init"])).code).toBe(EXIT.ok);
    const created = await cli(["create", "--passphrase", "--reason", "encrypted", "--json", "--verbose"]);
    expect(created.code, created.stderr).toBe(EXIT.ok);
    const name = jsonOf<{ name: string }>(created).name;
    expect(name).toMatch(/\.json\.age$/);
    const wrong = withPassphrase({ NEO4J_BACKUP_PASSPHRASE: WRONG_PASSPHRASE });
    const runs = await Promise.all([
      cli(["create", "--passphrase", "--reason", "human output"]),
      cli(["list", "--detailed"]),
      cli(["list", "--json"]),
      cli(["info", name]),
      cli(["info", "--json", name]),
      cli(["verify", name, "--json"]),
      cli(["status", "--deep", "--json"]),
      // the wrong passphrase: its own value must not show either
      cli(["info", "--verbose", name], wrong),
      cli(["info", "--json", "--verbose", name], wrong),
      cli(["verify", name, "--json"], wrong),
      // failing commands, with stack traces
      cli(
        ["create", "--passphrase", "--verbose", "--json"],
        withPassphrase({ NEO4J_PASSWORD: "not-the-password" }),
      ),
      cli(["restore", "--mode", "bogus", "--json", "--verbose"]),
      cli(["info", "--verbose", "no-such-backup.json.age"]),
      cli(["create", "--passphrase", "--compression", "lzma"]),
      cli(["copy", name, "--to", join(root, "no", "such", "folder"), "--verbose"]),
    ]);
    const [human, listed, listedJson, info, infoJson, verified, status] = runs;
    const [wrongInfo, wrongInfoJson, wrongVerify, failedCreate, usage, missing, badCompression] =
      runs.slice(7);
    for (const run of [human, listed, listedJson, info, infoJson, verified, status])
      expect(run!.code, everything(run!)).toBe(EXIT.ok);
    expect(info!.stdout).toMatch(/Stored: +age-encrypted/);
    for (const run of [wrongInfo, wrongInfoJson, wrongVerify]) {
      expect(run!.code, everything(run!)).toBe(EXIT.failure);
      expect(everything(run!)).toContain(
        "is encrypted with a passphrase and the passphrase given does not open it",
      );
    }
    expect(failedCreate!.code).toBe(EXIT.connection);
    expect(usage!.code).toBe(EXIT.usage);
    expect(missing!.code).toBe(EXIT.failure);
    expect(badCompression!.code).toBe(EXIT.usage);
    for (const run of [created, ...runs]) {
      expect(everything(run!)).not.toContain(PASSPHRASE);
      expect(everything(run!)).not.toContain(WRONG_PASSPHRASE);
    }
  });
});
