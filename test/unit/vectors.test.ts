/**
 * The checksum, the metadata checksum and the content fingerprint, pinned to docs/format.md by
 * independent test vectors: test/vectors/compute_vectors.py implements them from the documentation
 * alone, and its results for a few files are checked in (test/vectors/expected.json). The library
 * must compute the same values; the comparison needs no Python. Where python3 is available (CI must
 * have it: NEO4J_BACKUP_REQUIRE_TOOLS=1), the script is run as well and must still write that file.
 */
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Fingerprint } from "../../src/index.js";
import { MemoryStorage, validateBackup } from "../../src/index.js";
import { fingerprintBackup } from "../../src/verify/verify-backup.js";

const VECTORS = fileURLToPath(new URL("../vectors/", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const SCRIPT = `${VECTORS}compute_vectors.py`;
const EXPECTED = `${VECTORS}expected.json`;

/** The files the vectors are computed over, in the order the script is given them. */
const FILES = [
  `${VECTORS}types.json`,
  `${VECTORS}types-reordered.json`,
  `${FIXTURES}v2-reindented.json`,
  `${FIXTURES}v2-minified.json`,
];

interface Vector {
  checksum: string;
  metadata_checksum: string;
  fingerprint: Fingerprint;
}

const expected = JSON.parse(readFileSync(EXPECTED, "utf8")) as Record<string, Vector>;
const baseName = (file: string) => file.slice(file.lastIndexOf("/") + 1);

function pythonAvailable(): boolean {
  if (spawnSync(process.env.PYTHON || "python3", ["--version"]).status === 0) return true;
  if (process.env.NEO4J_BACKUP_REQUIRE_TOOLS === "1") throw new Error("the vector script needs python3");
  return false;
}

describe("checksums and fingerprints agree with the independent vectors", () => {
  it("has a vector for every file", () => {
    expect(Object.keys(expected).sort()).toEqual(FILES.map(baseName).sort());
  });

  it.each(FILES.map((file) => ({ file, name: baseName(file) })))(
    "$name: checksum, metadata checksum and fingerprint as computed from docs/format.md",
    async ({ file, name }) => {
      const vector = expected[name]!;
      const report = await validateBackup({ source: createReadStream(file), fingerprint: true });
      expect(report.checksum).toBe(vector.checksum);
      expect(report.metadataChecksum).toBe(vector.metadata_checksum);
      expect(report.fingerprint).toEqual(vector.fingerprint);
    },
  );

  it("the vector files are valid and record the checksums the vectors give", async () => {
    for (const file of [`${VECTORS}types.json`, `${VECTORS}types-reordered.json`]) {
      const report = await validateBackup({ source: createReadStream(file) });
      expect(report.valid, JSON.stringify(report.problems)).toBe(true);
      const statistics = JSON.parse(readFileSync(file, "utf8")).data.statistics;
      expect(statistics).toMatchObject({
        checksum: expected[baseName(file)]!.checksum,
        metadata_checksum: expected[baseName(file)]!.metadata_checksum,
      });
    }
  });

  (pythonAvailable() ? it : it.skip)("the script still computes the checked-in vectors", () => {
    expect(existsSync(SCRIPT)).toBe(true);
    const run = spawnSync(process.env.PYTHON || "python3", [SCRIPT, ...FILES], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(readFileSync(EXPECTED, "utf8"));
  });
});

describe("a file that lists its relationships before its nodes", () => {
  /** types.json with its relationship array moved before its node array. */
  const document = () => {
    const { metadata, data } = JSON.parse(readFileSync(`${VECTORS}types.json`, "utf8"));
    const { relationships, nodes, statistics } = data;
    return JSON.stringify({ metadata, data: { relationships, nodes, statistics } });
  };

  it("is valid, but validateBackup gives no fingerprint (it would lack the relationships)", async () => {
    async function* source() {
      yield Buffer.from(document());
    }
    const report = await validateBackup({ source: source(), fingerprint: true });
    expect(report).toMatchObject({ valid: true, relationshipsFirst: true, relationshipCount: 5 });
    expect(report.fingerprint).toBeUndefined();
  });

  it("is refused by the verification's fingerprint with FORMAT, naming the order", async () => {
    const storage = new MemoryStorage();
    const name = "neo4j_backup_20250128_143022.json";
    await storage.write(
      name,
      (async function* () {
        yield document();
      })(),
    );
    await expect(fingerprintBackup(storage, name)).rejects.toMatchObject({
      code: "FORMAT",
      message: expect.stringContaining("lists relationships before nodes"),
    });
  });
});
