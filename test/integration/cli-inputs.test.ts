/**
 * The command on inputs that are wrong or weaker than they look, run as separate processes against
 * real servers: files whose metadata no checksum protects (`info --strict`), a passphrase in
 * NEO4J_BACKUP_PASSPHRASE that must appear in no output, and the wording of what goes wrong.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import { EXIT } from "../../src/cli/exit-codes.js";
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
afterAll(async () => {
  await disposeCli();
  await rm(root, { recursive: true, force: true });
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
