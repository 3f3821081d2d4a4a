/**
 * Series and retention policies through the command, against a real server: a nightly series and a
 * pre-deploy series in one folder, each with its own retention; `forget` with `--dry-run --json`.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import { createBackup, FileSystemStorage, listBackups, pinBackup } from "../../src/index.js";
import { disposeCli, jsonOf, prepareCli, runCli, serverEnv } from "../support/cli-run.js";
import { driverFor, testServers } from "../support/servers.js";

beforeAll(() => prepareCli());
afterAll(() => disposeCli());

describe.each(testServers())("series and retention policies on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let root: string;
  let dir: string;
  const cli = (args: string[]) => runCli(["--dir", dir, ...args], { env: serverEnv(server) });
  const files = async () =>
    (await readdir(dir)).filter((f) => /\.json$/.test(f) && f !== "backup_metadata.json").sort();
  const nightly = [
    "neo4j_backup_20250308_030000.json",
    "neo4j_backup_20250309_030000.json",
    "neo4j_backup_20250309_150000.json",
    "neo4j_backup_20250310_030000.json",
  ];

  beforeAll(async () => {
    driver = driverFor(server);
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-series-"));
    dir = join(root, "backups");
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 5, nodes: 40, special: false });
    const storage = new FileSystemStorage({ directory: dir });
    // the nightly series, at times of its own (the name carries the time retention goes by)
    for (const name of nightly) {
      const [, day, time] = /_(\d{8})_(\d{6})\.json$/.exec(name)!;
      const at = new Date(
        `${day!.slice(0, 4)}-${day!.slice(4, 6)}-${day!.slice(6)}T${time!.slice(0, 2)}:${time!.slice(2, 4)}:00Z`,
      );
      await createBackup({
        driver,
        storage,
        reason: "Nightly",
        series: "nightly",
        keep: Number.POSITIVE_INFINITY,
        now: () => at,
      });
    }
  });

  afterAll(async () => {
    await driver?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("create --series pre-deploy keeps its own series only: the nightly backups stay", async () => {
    const first = await cli([
      "create",
      "--series",
      "pre-deploy",
      "--keep-last",
      "1",
      "--json",
      "-r",
      "Deploy 1",
    ]);
    expect(first.code, first.stderr).toBe(EXIT.ok);
    expect(jsonOf(first)).toMatchObject({ metadata: { series: "pre-deploy" }, removed: [] });
    const second = await cli([
      "create",
      "--series",
      "pre-deploy",
      "--keep-last",
      "1",
      "--json",
      "-r",
      "Deploy 2",
    ]);
    expect(second.code, second.stderr).toBe(EXIT.ok);
    const made = jsonOf<{ name: string; removed: string[] }>(second);
    expect(made.removed).toEqual([jsonOf<{ name: string }>(first).name]);
    // a backup without a series (default keep 1) is in the series "": it removes no nightly backup either
    const plain = await cli(["create", "--json"]);
    expect(plain.code, plain.stderr).toBe(EXIT.ok);
    expect(jsonOf(plain)).toMatchObject({ removed: [] });
    expect(await files()).toEqual([...nightly, made.name, jsonOf<{ name: string }>(plain).name].sort());
    const listed = await cli(["list"]);
    expect(listed.stdout).toMatch(/ KIND +SERIES\n/);
    expect(listed.stdout).toMatch(new RegExp(`${nightly[3]} .* backup +nightly\n`));
    expect(listed.stdout).toMatch(new RegExp(`${made.name} .* backup +pre-deploy\n`));
    // the index, rebuilt from the files, knows each backup's series
    const storage = new FileSystemStorage({ directory: dir });
    await rm(join(dir, "backup_metadata.json"));
    const series = Object.fromEntries((await listBackups(storage)).map((e) => [e.name, e.series ?? ""]));
    expect(series).toMatchObject({ [nightly[0]!]: "nightly", [made.name]: "pre-deploy" });
  });

  it("forget --dry-run --json says what each rule keeps and removes nothing; forget then removes it", async () => {
    const before = await files();
    const dry = await cli(["forget", "--series", "nightly", "--keep-daily", "2", "--dry-run", "--json"]);
    expect(dry.code, dry.stderr).toBe(EXIT.ok);
    const report = jsonOf<{ dryRun: boolean; groups: Record<string, unknown>[]; removed: string[] }>(dry);
    expect(report).toMatchObject({ dryRun: true, removed: [], policy: { keepDaily: 2 } });
    expect(report.groups).toEqual([
      expect.objectContaining({
        prefix: "neo4j_backup",
        series: "nightly",
        identity: expect.objectContaining({ name: "neo4j" }),
        kept: [
          { name: nightly[3], date: "2025-03-10T03:00:00.000Z", reasons: ["daily"] },
          { name: nightly[2], date: "2025-03-09T15:00:00.000Z", reasons: ["daily"] },
        ],
        removed: [
          { name: nightly[1], date: "2025-03-09T03:00:00.000Z" },
          { name: nightly[0], date: "2025-03-08T03:00:00.000Z" },
        ],
      }),
    ]);
    expect(await files()).toEqual(before);

    const human = await cli(["forget", "--series", "nightly", "--keep-daily", "2", "--dry-run"]);
    expect(human.stdout).toContain(`keep    ${nightly[3]}  (daily)`);
    expect(human.stdout).toContain(`would remove  ${nightly[0]}`);

    const done = await cli(["forget", "--series", "nightly", "--keep-daily", "2", "--json"]);
    expect(done.code, done.stderr).toBe(EXIT.ok);
    expect(jsonOf(done)).toMatchObject({ dryRun: false, removed: [nightly[1], nightly[0]] });
    expect(await files()).toEqual(before.filter((f) => f !== nightly[0] && f !== nightly[1]));
  });

  it("a pinned backup outlives the retention of a new backup (keep 1), and the next one too once unpinned it is not", async () => {
    const storage = new FileSystemStorage({ directory: join(root, "pinned") });
    const first = await createBackup({ driver, storage, reason: "pin me", series: "pins", keep: 1 });
    await pinBackup({ storage, name: first.name });
    const second = await createBackup({ driver, storage, reason: "after", series: "pins", keep: 1 });
    expect(second.removed).toEqual([]);
    expect((await listBackups(storage)).map((e) => e.name).sort()).toEqual([first.name, second.name].sort());
    await pinBackup({ storage, name: first.name, pinned: false });
    const third = await createBackup({ driver, storage, reason: "unpinned", series: "pins", keep: 1 });
    expect(third.removed.sort()).toEqual([first.name, second.name].sort());
  });

  it("refuses bad flags before anything is read or written", async () => {
    const before = await files();
    const noPolicy = await cli(["forget", "--series", "nightly"]);
    expect(noPolicy.code).toBe(EXIT.usage);
    expect(noPolicy.stderr).toContain("--keep-last");
    const badSeries = await cli(["create", "--series", "pre deploy"]);
    expect(badSeries.code).toBe(EXIT.usage);
    expect(badSeries.stderr).toContain("--series");
    const badCount = await cli(["forget", "--keep-daily", "seven"]);
    expect(badCount.code).toBe(EXIT.usage);
    expect(badCount.stderr).toContain("--keep-daily");
    const both = await cli(["create", "--keep", "2", "--keep-daily", "7"]);
    expect(both.code).toBe(EXIT.usage);
    expect(both.stderr).toContain("--keep goes without");
    expect(await files()).toEqual(before);
  });
});
