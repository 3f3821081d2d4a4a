/**
 * Files people already have — the original application's version-1 files, re-indented and minified
 * copies of this library's files, APOC's JSON exports — restored into real servers of both lines
 * and verified, every value with its exact type; through the library and through the command.
 * Also: what a target changes is found before writing, and a verification difference names the
 * record and property.
 */
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import type { NodeRecord } from "../../src/format/records.js";
import { valueKind } from "../../src/format/value-kinds.js";
import { type EncodedValue, encodeValue } from "../../src/format/values.js";
import { FileSystemStorage, MemoryStorage, restoreBackup, verifyBackup } from "../../src/index.js";
import { fingerprintDatabase } from "../../src/verify/verify-backup.js";
import { disposeCli, prepareCli, runCli, serverEnv } from "../support/cli-run.js";
import { buildDocument, chunks, sampleNodes } from "../support/documents.js";
import { databaseSnapshot, expectedSnapshot, FIXTURES, FIXTURES_DIR } from "../support/fixtures.js";
import { driverFor, testServers } from "../support/servers.js";

let folder: string;
beforeAll(async () => {
  await prepareCli();
  // a copy: restores write the backup index beside the files
  folder = await mkdtemp(join(tmpdir(), "neo4j-backup-forms-"));
  for (const f of FIXTURES) await copyFile(join(FIXTURES_DIR, f.file), join(folder, f.file));
  await writeFile(join(folder, "not-json.json"), "this is not a backup\n");
  await writeFile(join(folder, "cut-short.json"), '{\n  "metadata": {\n    "node_count": 1,\n');
});
afterAll(async () => {
  await disposeCli();
  await rm(folder, { recursive: true, force: true });
});

describe.each(testServers())("files people have, on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  beforeAll(() => {
    driver = driverFor(server);
  });
  afterAll(async () => {
    await driver?.close();
  });

  it.each(FIXTURES)("restoreBackup restores $form exactly and verifies it", async (fixture) => {
    await clearDatabase(driver);
    const storage = new FileSystemStorage({ directory: folder });
    const result = await restoreBackup({
      driver,
      storage,
      name: fixture.file,
      apocPropertyTypes: fixture.apocPropertyTypes,
    });
    expect(result.verification?.equal, result.verification?.differences.join("\n")).toBe(true);
    expect(await databaseSnapshot(driver)).toEqual(expectedSnapshot(fixture.expected));
    const again = await verifyBackup({
      driver,
      storage,
      name: fixture.file,
      apocPropertyTypes: fixture.apocPropertyTypes,
    });
    expect(again.equal).toBe(true);
  });

  it("the command: info, restore and verify on every form exit 0; a file that is not JSON or is cut short exits 3", async () => {
    const env = serverEnv(server);
    const types = join(folder, "apoc-types.json");
    const cli = (args: string[]) => runCli(["--dir", folder, ...args], { env });
    const infos = await Promise.all(
      [...FIXTURES.map((f) => f.file), "not-json.json", "cut-short.json"].map((file) => cli(["info", file])),
    );
    expect(infos.map((r) => r.code)).toEqual([...FIXTURES.map(() => EXIT.ok), EXIT.invalid, EXIT.invalid]);
    for (const run of infos)
      expect(run.stderr).not.toMatch(/ERR_STREAM_PREMATURE_CLOSE|Unhandled|at .*\.js:\d+/);
    expect(infos.at(-2)!.stdout).toMatch(/SYNTAX: invalid JSON: unexpected "t" \(line 1, document\)/);
    expect(infos.at(-1)!.stdout).toMatch(/SYNTAX: the file ends early \(truncated\) \(line 4/);
    for (const fixture of FIXTURES) {
      const typed = fixture.apocPropertyTypes ? ["--apoc-types", types] : [];
      if (fixture.apocPropertyTypes) await writeFile(types, JSON.stringify(fixture.apocPropertyTypes));
      const restored = await cli(["restore", "--file", fixture.file, "--mode", "replace", "--yes", ...typed]);
      expect(restored.code, restored.stderr).toBe(EXIT.ok);
      expect(restored.stdout).toContain("Verified");
      const verified = await cli(["verify", fixture.file, ...typed]);
      expect(verified.code, verified.stdout).toBe(EXIT.ok);
    }
    expect((await cli(["restore", "--file", "not-json.json", "--mode", "replace", "--yes"])).code).toBe(
      EXIT.invalid,
    );
    expect((await cli(["verify", "not-json.json"])).code).toBe(EXIT.invalid);
  });

  it("a value the target changes is found before writing, named by record and property", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 3, nodes: 40, special: false });
    const before = await fingerprintDatabase(driver);
    const greenwich = { $point: { srid: 4326, x: "-0", y: 51.48 } };
    const storage = new MemoryStorage();
    await storage.write(
      "greenwich_20250101_000000.json",
      chunks(
        buildDocument([...sampleNodes, { _id: 8, _labels: ["Place"], properties: { at: greenwich } }], []),
      ),
    );
    // does this server give a longitude of -0.0 back as it was sent?
    const { records } = await driver.executeQuery("RETURN point({longitude: -0.0, latitude: 51.48}).x AS x");
    const keeps = Object.is(records[0]!.get("x"), -0);
    const outcome = await restoreBackup({
      driver,
      storage,
      name: "greenwich_20250101_000000.json",
      mode: "replace",
    }).catch((e) => e);
    if (keeps) {
      expect(outcome.verification?.equal).toBe(true);
      return;
    }
    expect(outcome.code).toBe("UNSUPPORTED_TARGET");
    expect(String(outcome.message)).toContain(
      'property "at" of data.nodes[3] (line 6, _id 8): {"$point":{"srid":4326,"x":"-0","y":51.48}} comes back from',
    );
    expect(String(outcome.message)).toMatch(
      /as \{"\$point":\{"srid":4326,"x":0,"y":51\.48\}\}; nothing was written$/,
    );
    expect((await fingerprintDatabase(driver)).total).toBe(before.total);
    expect((await storage.list()).map((s) => s.name)).toEqual(["greenwich_20250101_000000.json"]);
  });

  it("more kinds of value than 1,000 (a date-time in every zone, alone and in lists): the probe still asks about the -0.0 longitude after them", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 3, nodes: 40, special: false });
    const before = await fingerprintDatabase(driver);
    // one node per zone this server knows, each with four kinds: a date-time, a date-time with a
    // year beyond four digits, and each of them inside a list
    const nodes: NodeRecord[] = [];
    for (const timezone of Intl.supportedValuesOf("timeZone")) {
      const here = await driver
        .executeQuery(
          "RETURN datetime({year: 2020, month: 6, day: 1, hour: 12, timezone: $timezone}) AS near, datetime({year: 12020, month: 6, day: 1, hour: 12, timezone: $timezone}) AS far",
          { timezone },
        )
        .catch(() => undefined);
      if (!here) continue;
      const near = encodeValue(here.records[0]!.get("near"));
      const far = encodeValue(here.records[0]!.get("far"));
      nodes.push({
        _id: nodes.length,
        _labels: ["Zone"],
        properties: { near, far, nears: [near], fars: [far] },
      });
    }
    const kinds = new Set(
      nodes.flatMap(({ properties: p }) => [p.near, p.far].map((v) => valueKind(v as EncodedValue))),
    );
    // each kind alone and inside a list: more than the 1,000 samples the probe once kept
    expect(kinds.size * 2).toBeGreaterThan(1000);
    const last = nodes.length;
    nodes.push({
      _id: last,
      _labels: ["Place"],
      properties: { at: { $point: { srid: 4326, x: "-0", y: 51.48 } } },
    });
    const name = "zones_20250101_000000.json";
    await writeFile(join(folder, name), buildDocument(nodes, []));
    const { records } = await driver.executeQuery("RETURN point({longitude: -0.0, latitude: 51.48}).x AS x");
    const keeps = Object.is(records[0]!.get("x"), -0);
    const cli = (args: string[]) => runCli(["--dir", folder, ...args], { env: serverEnv(server) });
    const dryRun = await cli(["restore", "--file", name, "--mode", "replace", "--yes", "--dry-run"]);
    const restored = await cli(["restore", "--file", name, "--mode", "replace", "--yes"]);
    if (keeps) {
      expect(dryRun.code, dryRun.stderr).toBe(EXIT.ok);
      expect(restored.code, restored.stderr).toBe(EXIT.ok);
      expect(restored.stdout).toContain("Verified");
      return;
    }
    for (const run of [dryRun, restored]) {
      expect(run.code, run.stdout + run.stderr).toBe(EXIT.refused);
      expect(run.stderr).toContain(
        `property "at" of data.nodes[${last}] (line ${last + 3}, _id ${last}): {"$point":{"srid":4326,"x":"-0","y":51.48}} comes back from`,
      );
      expect(run.stderr).toContain("nothing was written");
    }
    expect((await fingerprintDatabase(driver)).total).toBe(before.total);
  });

  it("a verification difference names the first differing record: its line, _id and property", async () => {
    await clearDatabase(driver);
    const validated = buildDocument();
    // what is written differs from what was validated: the file changes while it is being written
    const written = validated.replace('"usage_count":142', '"usage_count":143');
    let phase = "";
    class ChangingStorage extends MemoryStorage {
      override async read(name: string) {
        return phase === "nodes" ? chunks(written) : super.read(name);
      }
    }
    const storage = new ChangingStorage();
    await storage.write("changing_20250101_000000.json", chunks(validated));
    const error = await restoreBackup({
      driver,
      storage,
      name: "changing_20250101_000000.json",
      onProgress: (p) => {
        phase = p.phase;
      },
    }).catch((e) => e);
    expect(error.code).toBe("RESTORE_FAILED");
    expect(String(error.message)).toContain(
      'first differing record: node with labels ["Function"], _id 0 (line 3, data.nodes[0]): property "usage_count" is 142 in the backup and 143 in the database',
    );
    // the target was empty: what was written is taken back
    expect((await fingerprintDatabase(driver)).nodes).toBe(0);
  });
});
