/**
 * The neo4j-backup command, run as separate processes against real servers: every command in its
 * human and its --json form, the error cases, and a real terminal (tmux) for the password prompt,
 * the confirmation and the progress display.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFile, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import { countGraph, fingerprintDatabase } from "../../src/index.js";
import {
  type CliRun,
  cliEnv,
  disposeCli,
  jsonOf,
  prepareCli,
  ROOT,
  runCli,
  serverEnv,
} from "../support/cli-run.js";
import { hasTmux, TerminalSession } from "../support/cli-tmux.js";
import { closedPort } from "../support/ports.js";
import { driverFor, testServers } from "../support/servers.js";

/** A password that appears nowhere else, to search every output for. */
const WRONG_PASSWORD = "Zebra-Quartz-7781-wrong";
const ESCAPE = /\x1b/;

/** Holds the folder's lock from another process until killed. */
async function holdLock(directory: string): Promise<ChildProcess> {
  const holder = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      fileURLToPath(new URL("../support/lock-holder.mjs", import.meta.url)),
      join(ROOT, "src", "index.ts"),
      directory,
    ],
    { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.on("data", (d: Buffer) => d.toString().includes("locked") && resolve());
    holder.on("exit", (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return holder;
}

const everything = (run: CliRun) => run.stdout + run.stderr;

beforeAll(() => prepareCli());
afterAll(() => disposeCli());

describe.each(testServers())("neo4j-backup CLI on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let root: string;
  let dir: string;
  let loaded: { nodes: number; relationships: number };
  const cli = (args: string[], env = serverEnv(server)) => runCli(["--dir", dir, ...args], { env });
  const backupNames = async () =>
    (await readdir(dir)).filter((f) => /^neo4j_backup_.*\.json$/.test(f)).sort();

  beforeAll(async () => {
    driver = driverFor(server);
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-cli-"));
    dir = join(root, "backups");
    await clearDatabase(driver);
    loaded = await loadSampleGraph(driver, { seed: 3, nodes: 150, special: false });
  });

  afterAll(async () => {
    await driver?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("init creates the backup folder and then finds nothing to create", async () => {
    const first = await cli(["init"]);
    expect(first.code).toBe(EXIT.ok);
    expect(first.stdout).toContain(`Backup folder ${dir}: created the folder, README.md, .gitkeep`);
    const again = await cli(["init", "--json"]);
    expect(again.code).toBe(EXIT.ok);
    expect(jsonOf(again)).toEqual({ directory: dir, created: [], distribution: null });
  });

  it("status without a backup: the counts, a recommendation, the thresholds and a health problem (exit 5)", async () => {
    const [text, json] = await Promise.all([cli(["status"]), cli(["status", "--json"])]);
    expect(text.code).toBe(EXIT.unhealthy);
    expect(text.stdout).toContain("Database Backup Status");
    expect(text.stdout).toContain(
      `Current Database:\n- Nodes: ${loaded.nodes}\n- Relationships: ${loaded.relationships}\n`,
    );
    expect(text.stdout).toContain("Last Backup: none");
    expect(text.stdout).toContain("Backup Recommendation: Backup recommended");
    expect(text.stdout).toContain(
      "Auto-Backup Thresholds:\n- Nodes: 50 added or deleted\n- Relationships: 100 added or deleted\n- Percentage: 10.0% change",
    );
    expect(text.stdout).toMatch(/Health: 1 problem\n- no backup of database \S+/);
    // piped: plain text, no escape codes, no emoji
    expect(everything(text)).not.toMatch(ESCAPE);
    expect(everything(text)).not.toMatch(/[📊⚠✅❌•]/u);
    expect(json.code).toBe(EXIT.unhealthy);
    expect(jsonOf(json)).toMatchObject({
      current: { nodes: loaded.nodes, relationships: loaded.relationships },
      lastBackup: null,
      recommendation: { backup: true, thresholds: { nodes: 50, relationships: 100, percent: 10 } },
      health: { healthy: false },
    });
  });

  it("create backs up with a reason, logs its phases when piped, and --json returns the result", async () => {
    const made = await cli(["create", "--reason", "CLI test", "--keep", "all"]);
    expect(made.code).toBe(EXIT.ok);
    expect(made.stdout).toMatch(/^Backup created: neo4j_backup_\d{8}_\d{6}\.json\n/);
    expect(made.stdout).toMatch(new RegExp(`Nodes: +${loaded.nodes}\\n`));
    expect(made.stdout).toMatch(/Reason: +CLI test\n/);
    expect(made.stderr).toContain(`Reading nodes (${loaded.nodes} nodes)...`);
    expect(made.stderr).toContain(`Reading relationships (${loaded.relationships} relationships)...`);
    expect(everything(made)).not.toMatch(ESCAPE);

    const json = await cli(["create", "--json", "--prefix", "cli", "--keep", "all"]);
    expect(json.code).toBe(EXIT.ok);
    expect(json.stderr).toBe(""); // no progress lines with --json when piped
    expect(jsonOf(json)).toMatchObject({
      name: expect.stringMatching(/^cli_\d{8}_\d{6}\.json$/),
      nodeCount: loaded.nodes,
      relationshipCount: loaded.relationships,
      metadata: { reason: "Manual backup" },
      removed: [],
    });
  });

  it("create --threads 2 reads on worker threads with connections of its own: the same records as one thread", async () => {
    // a folder of its own: the other tests count the backups in theirs
    const folder = join(root, "threads");
    const inFolder = (args: string[]) => runCli(["--dir", folder, ...args], { env: serverEnv(server) });
    const one = await inFolder(["create", "--prefix", "one", "--keep", "all"]);
    const two = await inFolder(["--verbose", "create", "--threads", "2", "--prefix", "two", "--keep", "all"]);
    expect(one.code).toBe(EXIT.ok);
    expect(two.code).toBe(EXIT.ok);
    expect(two.stderr).toContain("backup reads on worker threads");
    expect(everything(two)).not.toContain(server.password);
    const checksumOf = async (prefix: string) => {
      const name = (await readdir(folder)).find((f) => f.startsWith(`${prefix}_`))!;
      const text = await readFile(join(folder, name), "utf8");
      return /[{,]"checksum":"(sha256:[0-9a-f]{64})"/.exec(
        text.slice(text.lastIndexOf("\n", text.length - 2)),
      )?.[1];
    };
    expect(await checksumOf("two")).toMatch(/^sha256:/);
    expect(await checksumOf("two")).toBe(await checksumOf("one"));

    const two_ = (await readdir(folder)).find((f) => f.startsWith("two_"))!;
    const verified = await inFolder(["--verbose", "verify", two_, "--threads", "2"]);
    expect(verified.code).toBe(EXIT.ok);
    expect(verified.stderr).toContain("fingerprint reads on worker threads");

    const refused = await inFolder(["create", "--threads", "0"]);
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toContain("--threads");
  });

  it("create --auto says why it does not back up, and backs up once a threshold is reached", async () => {
    const skipped = await cli(["create", "--auto"]);
    expect(skipped.code).toBe(EXIT.ok);
    expect(skipped.stdout).toMatch(
      /^No backup needed: \+0 nodes and \+0 relationships since the backup .*below the thresholds/,
    );
    expect(await backupNames()).toHaveLength(1);

    await driver.executeQuery("UNWIND range(1, 60) AS i CREATE (:CliAdded {i: i})");
    const auto = await cli(["create", "--auto", "--json", "--keep", "all"]);
    expect(auto.code).toBe(EXIT.ok);
    expect(jsonOf(auto)).toMatchObject({
      backedUp: true,
      decision: { backup: true, reason: expect.stringMatching(/\+60 nodes \(threshold 50\)/) },
      backup: { nodeCount: loaded.nodes + 60, metadata: { reason: expect.stringMatching(/^Auto-backup: /) } },
    });
    expect(await backupNames()).toHaveLength(2);
  });

  it("list shows the backups newest first; --detailed adds the details; --json lists the index entries", async () => {
    const [plain, detailed, json] = await Promise.all([
      cli(["list"]),
      cli(["list", "--detailed"]),
      cli(["list", "--json"]),
    ]);
    expect([plain.code, detailed.code, json.code]).toEqual([EXIT.ok, EXIT.ok, EXIT.ok]);
    const { backups } = jsonOf<{ backups: { name: string; created: string; reason: string }[] }>(json);
    expect(backups).toHaveLength(3);
    expect(backups.map((b) => b.created)).toEqual(
      backups
        .map((b) => b.created)
        .sort()
        .reverse(),
    );
    expect(backups.map((b) => b.reason)).toEqual([
      expect.stringMatching(/^Auto-backup/),
      "Manual backup",
      "CLI test",
    ]);
    const rows = plain.stdout.split("\n").filter((line) => /\.json /.test(line));
    expect(rows.map((line) => line.split(" ")[0])).toEqual(backups.map((b) => b.name));
    expect(plain.stdout).toMatch(/^3 backups in .*, newest first:\n\nNAME +CREATED +AGE +KIND\n/);
    for (const field of ["Reason:", "Nodes:", "Relationships:", "Size:", "Checksum:", "Server:", "Valid:"]) {
      expect(detailed.stdout).toContain(field);
    }
    expect(detailed.stdout).toMatch(/Reason: +CLI test/);
    expect(detailed.stdout).toMatch(/Checksum: +sha256:[0-9a-f]{64}/);
  });

  it("info validates a backup and shows its metadata; a damaged file fails at its line (exit 3)", async () => {
    const [first] = await backupNames();
    const damaged = join(root, "damaged.json");
    const lines = (await readFile(join(dir, first!), "utf8")).split("\n");
    lines[4] = '{"_id": 4, "_labels": ["Function"], "properties": {';
    await writeFile(damaged, lines.join("\n"));

    const [text, json, bad] = await Promise.all([
      cli(["info", first!]),
      cli(["info", "--json", join(dir, first!)]),
      cli(["info", damaged]),
    ]);
    expect(text.code).toBe(EXIT.ok);
    expect(text.stdout).toMatch(new RegExp(`^${first}: valid\\n`));
    expect(text.stdout).toMatch(/Format: +2 \(line layout\)/);
    expect(text.stdout).toMatch(new RegExp(`Nodes: +${loaded.nodes} \\(`));
    expect(json.code).toBe(EXIT.ok);
    expect(jsonOf(json)).toMatchObject({
      file: first,
      directory: dir,
      valid: true,
      formatVersion: 2,
      nodeCount: loaded.nodes,
      relationshipCount: loaded.relationships,
      problems: [],
    });
    expect(bad.code).toBe(EXIT.invalid);
    expect(bad.stdout).toMatch(/^damaged\.json: invalid/);
    expect(bad.stdout).toMatch(/error SYNTAX: .*\(line 5, data\.nodes\[\d+\]\)\n/);
    expect(bad.stdout).not.toMatch(/\(line 5, [^)]*\) \(line 5/);
  });

  it("verify compares the database with the latest backup (exit 0) or a named one (exit 3 with differences)", async () => {
    const [first] = await backupNames();
    const [same, differs] = await Promise.all([cli(["verify"]), cli(["verify", "--json", first!])]);
    expect(same.code).toBe(EXIT.ok);
    expect(same.stdout).toMatch(
      /matches neo4j_backup_\S+: [\d,]+ nodes, [\d,]+ relationships; counts, schema, and content fingerprint are equal/,
    );
    expect(differs.code).toBe(EXIT.invalid);
    expect(jsonOf(differs)).toMatchObject({
      file: first,
      equal: false,
      differences: expect.arrayContaining([
        `node count: backup ${loaded.nodes}, database ${loaded.nodes + 60}`,
      ]),
    });
    // a file that is not there: exit 3 with the reason, before anything is compared or printed
    const missing = await cli(["verify", "missing.json"]);
    expect([missing.code, missing.stdout]).toEqual([EXIT.invalid, ""]);
    expect(missing.stderr).toContain("backup missing.json not found in");
    expect(missing.stderr).not.toContain("Comparing");
  });

  it("status after changes: the changes since the last backup, and exit 4 when a backup is recommended", async () => {
    const calm = await cli(["status"]);
    expect(calm.code).toBe(EXIT.ok);
    expect(calm.stdout).toMatch(/Last Backup: neo4j_backup_\S+ \(.+\)\n/);
    expect(calm.stdout).toContain(
      "Changes Since Last Backup:\n  - Nodes: 0 (0.0%)\n  - Relationships: 0 (0.0%)",
    );
    expect(calm.stdout).toContain("Backup Recommendation: No backup needed");
    expect(calm.stdout).toContain("Health: OK");

    await driver.executeQuery("MATCH (n:CliAdded) DELETE n");
    const changed = await cli(["status", "--json"]);
    expect(changed.code).toBe(EXIT.backupRecommended);
    expect(jsonOf(changed)).toMatchObject({
      current: { nodes: loaded.nodes },
      recommendation: { backup: true, changes: { nodes: -60 } },
      health: { healthy: true },
    });
  });

  it("restore refuses without --yes off a terminal (exit 2), refuses a populated target in empty mode (exit 8), and dry-runs", async () => {
    const [unconfirmed, populated, dry] = await Promise.all([
      cli(["restore", "--mode", "replace"]),
      cli(["restore", "--yes"]),
      cli(["restore", "--mode", "replace", "--dry-run", "--json"]),
    ]);
    expect(unconfirmed.code).toBe(EXIT.usage);
    expect(unconfirmed.stderr).toMatch(
      /^error: restoring neo4j_backup_\S+ writes to database \S+ at .* needs a confirmation, but there is no terminal to ask on; nothing was written; pass --yes to confirm\n$/,
    );
    expect(populated.code).toBe(EXIT.refused);
    expect(populated.stderr).toMatch(new RegExp(`holds ${loaded.nodes} nodes.*--mode replace`));
    expect(dry.code).toBe(EXIT.ok);
    expect(jsonOf(dry)).toMatchObject({
      dryRun: true,
      validation: { valid: true, nodeCount: loaded.nodes + 60 },
    });
    expect(await countGraph(driver, undefined)).toEqual({
      nodes: loaded.nodes,
      relationships: loaded.relationships,
    });
  });

  it("restore --mode replace --yes restores the latest backup exactly; --json restores a named one", async () => {
    const latest = (await backupNames()).at(-1)!;
    const restored = await cli(["restore", "--mode", "replace", "--yes"]);
    expect(restored.code).toBe(EXIT.ok);
    expect(restored.stdout).toMatch(new RegExp(`^Restored ${latest} into database \\S+ at `));
    expect(restored.stdout).toMatch(/Verified: +counts, schema and content fingerprint match the file/);
    expect(restored.stdout).toMatch(/Safety backup: +safety_backup_\S+\.json/);
    expect(restored.stderr).toContain(`Writing nodes (${loaded.nodes + 60} nodes)...`);
    expect((await countGraph(driver, undefined)).nodes).toBe(loaded.nodes + 60);

    const [first] = await backupNames();
    const json = await cli(["restore", "--file", first!, "--mode", "replace", "--yes", "--json"]);
    expect(json.code).toBe(EXIT.ok);
    expect(jsonOf(json)).toMatchObject({
      name: first,
      mode: "replace",
      nodeCount: loaded.nodes,
      relationshipCount: loaded.relationships,
      safetyBackup: expect.stringMatching(/^safety_backup_/),
      verification: { equal: true },
    });
  });

  it("restore of a damaged backup names the line and writes nothing (exit 3)", async () => {
    const before = await fingerprintDatabase(driver);
    const damagedName = "neo4j_backup_20000101_000000.json";
    await copyFile(join(root, "damaged.json"), join(dir, damagedName));
    try {
      const run = await cli(["restore", "--file", damagedName, "--mode", "replace", "--yes"]);
      expect(run.code).toBe(EXIT.invalid);
      expect(run.stderr).toMatch(
        new RegExp(
          `^error: backup ${damagedName} fails validation: .*\\(line 5, data\\.nodes\\[\\d+\\]\\); nothing was written`,
        ),
      );
      expect((await fingerprintDatabase(driver)).total).toBe(before.total);
    } finally {
      await rm(join(dir, damagedName));
    }
  });

  it("init --distribution writes initial_backup.json, refuses to overwrite it (exit 8), and --replace replaces it", async () => {
    const made = await cli(["init", "--distribution"]);
    expect(made.code).toBe(EXIT.ok);
    expect(made.stdout).toContain("Distribution backup written: initial_backup.json");
    const again = await cli(["init", "--distribution"]);
    expect(again.code).toBe(EXIT.refused);
    expect(again.stderr).toMatch(/initial_backup\.json already exists .*pass --replace/);
    const replaced = await cli(["init", "--distribution", "--replace", "--json"]);
    expect(replaced.code).toBe(EXIT.ok);
    expect(jsonOf(replaced)).toMatchObject({
      created: [],
      distribution: { name: "initial_backup.json", nodeCount: loaded.nodes },
    });
  });

  it("create --consistent publishes a point-in-time backup, and fails (exit 1, nothing published) while writes are committed", async () => {
    const folder = join(root, "consistent");
    const run = (args: string[]) => runCli(["--dir", folder, ...args], { env: serverEnv(server) });
    const quiet = await run(["create", "--consistent", "--json"]);
    expect(quiet.code).toBe(EXIT.ok);
    expect(jsonOf(quiet)).toMatchObject({ changedDuringBackup: false });
    const published = await readdir(folder);
    // another client commits small writes the whole time the command runs
    let writing = true;
    const writer = (async () => {
      while (writing) await driver.executeQuery("CREATE (:Churn {at: timestamp()})");
    })();
    try {
      const busy = await run(["create", "--consistent"]);
      expect(busy.code).toBe(EXIT.failure);
      expect(busy.stderr).toMatch(/the database changed while it was backed up.*nothing was published/);
    } finally {
      writing = false;
      await writer;
      await driver.executeQuery("MATCH (n:Churn) DELETE n");
    }
    expect(await readdir(folder)).toEqual(published);
  });

  it("status --deep validates the newest backup: damage that kept the file's size and time is found (exit 5)", async () => {
    const folder = join(root, "deep");
    const run = (args: string[]) => runCli(["--dir", folder, ...args], { env: serverEnv(server) });
    expect((await run(["create", "--reason", "deep check"])).code).toBe(EXIT.ok);
    const [name] = (await readdir(folder)).filter((f) => f.startsWith("neo4j_backup_"));
    const path = join(folder, name!);
    expect((await run(["status"])).code).toBe(EXIT.ok);
    const before = await stat(path);
    const text = await readFile(path, "utf8");
    const at = text.indexOf('"_labels":["') + 12;
    await writeFile(path, `${text.slice(0, at)}${text[at] === "Q" ? "R" : "Q"}${text.slice(at + 1)}`);
    await utimes(path, before.atime, before.mtime);
    expect((await stat(path)).size).toBe(before.size);
    const cheap = await run(["status"]);
    expect(cheap.code).toBe(EXIT.ok);
    const deep = await run(["status", "--deep"]);
    expect(deep.code).toBe(EXIT.unhealthy);
    expect(deep.stdout).toContain(`the newest backup ${name} does not pass validation`);
  });

  it("errors: one line with cause and remedy, JSON on stderr with --json, and the exit code of the cause", async () => {
    const port = await closedPort();
    const noServer = cliEnv({ NEO4J_URI: `bolt://127.0.0.1:${port}`, NEO4J_PASSWORD: "x-unused-x" });
    const [wrong, wrongJson, unreachable, noFolder, usage] = await Promise.all([
      cli(["status", "--password", WRONG_PASSWORD], serverEnv(server, { NEO4J_PASSWORD: undefined })),
      cli(["status", "--json"], serverEnv(server, { NEO4J_PASSWORD: WRONG_PASSWORD })),
      cli(["status"], noServer),
      runCli(["list", "--dir", join(root, "missing")], { env: serverEnv(server) }),
      cli(["restore", "--mode", "sideways", "--json"]),
    ]);
    expect(wrong.code).toBe(EXIT.connection);
    expect(wrong.stderr).toMatch(
      /^error: authentication failed for user \S+ at \S+: the server refused the credentials; check --username and --password/,
    );
    expect(wrong.stderr.trim().split("\n")).toHaveLength(1);
    expect(wrongJson.code).toBe(EXIT.connection);
    expect(JSON.parse(wrongJson.stderr)).toMatchObject({ code: "AUTHENTICATION", exitCode: EXIT.connection });
    expect(wrongJson.stdout).toBe("");
    expect(unreachable.code).toBe(EXIT.connection);
    expect(unreachable.stderr).toMatch(
      new RegExp(
        `^error: cannot reach the Neo4j server at 127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\); check that the server is running`,
      ),
    );
    expect(noFolder.code).toBe(EXIT.failure);
    expect(noFolder.stderr).toMatch(
      /there is no backup folder .*missing; create it with `neo4j-backup init`/,
    );
    expect(usage.code).toBe(EXIT.usage);
    expect(JSON.parse(usage.stderr)).toMatchObject({
      code: "USAGE",
      message: expect.stringContaining("sideways"),
    });
    // no stack traces without --verbose
    for (const run of [wrong, wrongJson, unreachable, noFolder, usage])
      expect(run.stderr).not.toMatch(/\n\s+at /);

    const holder = await holdLock(dir);
    try {
      const locked = await cli(["create", "--lock-timeout", "1", "--json"]);
      expect(locked.code).toBe(EXIT.locked);
      expect(JSON.parse(locked.stderr)).toMatchObject({
        code: "LOCKED",
        message: expect.stringContaining(`process ${holder.pid}`),
        hint: expect.stringContaining("--lock-timeout"),
      });
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("the password never appears in any output, not even in --verbose stack traces", async () => {
    const runs = await Promise.all([
      cli(
        ["status", "--verbose", "--password", WRONG_PASSWORD],
        serverEnv(server, { NEO4J_PASSWORD: undefined }),
      ),
      cli(["create", "--verbose", "--json"], serverEnv(server, { NEO4J_PASSWORD: WRONG_PASSWORD })),
      cli(
        ["status", "--verbose", `--password=${server.password}`],
        serverEnv(server, { NEO4J_PASSWORD: undefined }),
      ),
      cli(["verify", "--verbose", "--json"]),
      cli(
        ["restore", "--mode", "bogus", "--password", WRONG_PASSWORD],
        serverEnv(server, { NEO4J_PASSWORD: undefined }),
      ),
    ]);
    const [wrongFlag, wrongEnv, rightFlag, verify, usage] = runs.map((r) => r.code);
    expect([wrongFlag, wrongEnv, usage]).toEqual([EXIT.connection, EXIT.connection, EXIT.usage]);
    expect(rightFlag).not.toBe(EXIT.connection);
    expect(verify).toBe(EXIT.invalid); // the database holds the first backup, the latest has 60 more nodes
    expect(runs[0]!.stderr).toMatch(/\n\s+at /); // a stack trace was printed
    for (const run of runs) {
      expect(everything(run)).not.toContain(WRONG_PASSWORD);
      expect(everything(run)).not.toContain(server.password);
    }
  });

  it.skipIf(!hasTmux())(
    "on a terminal: asks for the password without echo, names the target, confirms, and shows progress",
    async () => {
      const latest = (await backupNames()).at(-1)!;
      const terminal = new TerminalSession({ NEO4J_URI: server.uri, NEO4J_USERNAME: server.username });
      try {
        const declined = await terminal.run(["--dir", dir, "restore", "--mode", "replace"]);
        await terminal.waitFor(/Password for \S+ at \S+:/);
        terminal.typeLine(server.password);
        const screen = await terminal.waitFor(/Proceed\? \[y\/N\]/);
        expect(screen).toMatch(new RegExp(`Restore ${latest} into database \\S+ at \\S+ \\(Neo4j/`));
        expect(screen).toMatch(
          new RegExp(
            `Replaces: +${loaded.nodes} nodes, ${loaded.relationships} relationships now in the database`,
          ),
        );
        expect(screen).toMatch(new RegExp(`With: +${loaded.nodes + 60} nodes, .* from ${latest}`));
        expect(screen).toContain("⚠️");
        terminal.typeLine("n");
        let exit = await terminal.waitForExit(declined);
        expect(exit.code).toBe(EXIT.failure);
        expect(exit.screen).toContain("restore not confirmed; nothing was written");
        expect((await countGraph(driver, undefined)).nodes).toBe(loaded.nodes);

        const confirmed = await terminal.run(["--dir", dir, "restore", "--mode", "replace"]);
        await terminal.waitFor(/Password for \S+ at \S+:/);
        terminal.typeLine(server.password);
        await terminal.waitFor(/Proceed\? \[y\/N\]/);
        terminal.typeLine("y");
        exit = await terminal.waitForExit(confirmed);
        expect(exit.code).toBe(EXIT.ok);
        // the finished phases of the progress display stay on screen
        expect(exit.screen).toMatch(/✓ Validating the file in /);
        expect(exit.screen).toMatch(new RegExp(`✓ Writing nodes: ${loaded.nodes + 60} nodes in `));
        expect(exit.screen).toMatch(/✓ Writing relationships: [\d,]+ relationships in /);
        expect(exit.screen).toMatch(/✓ Restored .* into database/);
        expect(exit.screen).not.toContain(server.password);
        expect(terminal.capture(true)).toMatch(/\x1b\[[0-9;]*m/); // colours on a terminal
        expect((await countGraph(driver, undefined)).nodes).toBe(loaded.nodes + 60);

        // NO_COLOR: the same list without colours
        exit = await terminal.waitForExit(await terminal.run(["--dir", dir, "list"]));
        expect(terminal.capture(true)).toMatch(/\x1b\[[0-9;]*m/);
        exit = await terminal.waitForExit(await terminal.run(["--dir", dir, "list"], { NO_COLOR: "1" }));
        expect(exit.screen).toContain("NAME");
        expect(terminal.capture(true)).not.toMatch(/\x1b\[[0-9;]*m/);
      } finally {
        terminal.close();
      }
    },
  );
});
