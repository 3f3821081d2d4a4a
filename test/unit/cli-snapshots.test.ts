/**
 * `neo4j-backup prune` and `check`: the grace duration, the summaries people read, and the
 * commands run end to end on a folder (JSON on stdout, exit codes).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { describeCheck } from "../../src/cli/commands/check.js";
import { describePrune } from "../../src/cli/commands/prune.js";
import { CliContext, type CliIO } from "../../src/cli/context.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import { main } from "../../src/cli/main.js";
import { parseDuration } from "../../src/cli/options.js";
import { collectChunks } from "../../src/storage/chunk-table.js";
import { FileSystemStorage } from "../../src/storage/filesystem.js";
import { manyNodes, writeSnapshot } from "../support/snapshots.js";

const io: CliIO = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  stdin: { on() {}, off() {}, resume() {}, pause() {} } as never,
  env: {},
};
const cli = new CliContext({ dir: "x", color: false }, io);
const A = "neo4j_backup_20250101_000001.snapshot";
const B = "neo4j_backup_20250102_000001.snapshot";
const ID = "ab".repeat(32);

describe("--grace", () => {
  it("reads 30m, 1h, 1h30m, 45s, 2d, 500ms and 0; refuses anything else", () => {
    expect(["30m", "1h", "1h30m", "45s", "2d", "500ms", "0", "1.5h"].map(parseDuration)).toEqual([
      1_800_000, 3_600_000, 5_400_000, 45_000, 172_800_000, 500, 0, 5_400_000,
    ]);
    for (const bad of ["", "1", "h", "-1h", "1x", "1 h", "1hour"]) {
      expect(() => parseDuration(bad), bad).toThrow(/expected a duration/);
    }
  });
});

describe("summaries", () => {
  it("prune: what was removed and kept; young orphans and missing chunks are said", () => {
    const result = {
      snapshots: 3,
      referencedChunks: 40,
      missingChunks: 2,
      removedChunks: 5,
      removedBytes: 12_000,
      keptChunks: 43,
      keptBytes: 400_000,
      unreferencedYoung: 3,
      dryRun: true,
    };
    const text = describePrune(cli, "/backups", result, 3_600_000).join("\n");
    expect(text).toContain("Would remove 5 chunks (12.0 kB) from /backups; dry run, nothing removed.");
    expect(text).toMatch(/Kept:\s+43 chunks \(400.0 kB\)/);
    expect(text).toContain("3 chunks no snapshot references were stored less than 1h ago");
    expect(text).toContain("2 chunks that snapshots reference are missing: run `neo4j-backup check`");
    const real = describePrune(
      cli,
      "/b",
      { ...result, dryRun: false, missingChunks: 0, unreferencedYoung: 0 },
      0,
    );
    expect(real[0]).toBe("Removed 5 chunks (12.0 kB) from /b.");
    expect(real.join("\n")).not.toMatch(/missing|less than/);
  });

  it("check: every damaged snapshot, each problem with the snapshots that need the chunk", () => {
    const text = describeCheck(
      cli,
      "/backups",
      {
        snapshots: 2,
        chunks: 30,
        chunksRead: 29,
        problems: [
          { chunk: ID, problem: "missing", message: `chunk ${ID} is not in the storage`, snapshots: [A, B] },
        ],
        damagedManifests: [{ snapshot: "c.snapshot", message: "c.snapshot is damaged: …" }],
        unreferencedChunks: 4,
        ok: false,
      },
      true,
    ).join("\n");
    expect(text).toContain(
      "3 snapshots in /backups are damaged (2 manifests read, 30 chunks, 29 chunks read and checked):",
    );
    expect(text).toContain(`- chunk ${ID} is not in the storage — needed by ${A}, ${B}`);
    expect(text).toContain("- c.snapshot: c.snapshot is damaged: …");
    expect(text).toContain("4 chunks no snapshot references (`neo4j-backup prune` removes them).");
    const whole = describeCheck(
      cli,
      "/b",
      {
        snapshots: 1,
        chunks: 3,
        chunksRead: 0,
        problems: [],
        damagedManifests: [],
        unreferencedChunks: 0,
        ok: true,
      },
      false,
    );
    expect(whole).toEqual([
      "1 snapshot in /b is whole: 3 chunks, chunks present (not read; --read-data reads them).",
    ]);
  });
});

describe("the commands on a folder", () => {
  let dir: string | undefined;
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    dir ??= mkdtempSync(join(tmpdir(), "neo4j-backup-cli-snapshots-"));
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((t) => out.push(String(t)) > 0);
    vi.spyOn(process.stderr, "write").mockImplementation((t) => err.push(String(t)) > 0);
    await main(["node", "neo4j-backup", "--dir", dir, ...args]);
    vi.restoreAllMocks();
    const code = Number(process.exitCode ?? 0);
    process.exitCode = undefined;
    return { code, stdout: out.join(""), stderr: err.join("") };
  }

  it("prune and check answer one JSON document; bad arguments are usage errors", async () => {
    const pruned = await run("--json", "prune", "--dry-run", "--grace", "30m");
    expect(pruned.code).toBe(EXIT.ok);
    expect(JSON.parse(pruned.stdout)).toMatchObject({ graceMs: 1_800_000, dryRun: true, removedChunks: 0 });
    const checked = await run("--json", "check", "--read-data");
    expect(checked.code).toBe(EXIT.ok);
    expect(JSON.parse(checked.stdout)).toMatchObject({
      ok: true,
      snapshots: 0,
      readData: true,
      problems: [],
    });
    const absent = await run("--json", "check", A);
    expect(absent.code).toBe(EXIT.failure);
    expect(JSON.parse(absent.stderr)).toMatchObject({ code: "NOT_FOUND" });
    const notSnapshot = await run("--json", "check", "b_20250101_000000.json");
    expect(notSnapshot.code).toBe(EXIT.usage);
    expect((await run("--json", "prune", "--grace", "soon")).code).toBe(EXIT.usage);
  });

  it("on snapshots in the folder: prune removes a removed snapshot's own chunks, check names the snapshot a lost chunk breaks (exit 3)", async () => {
    dir = mkdtempSync(join(tmpdir(), "neo4j-backup-cli-snapshots-"));
    const storage = new FileSystemStorage({ directory: dir });
    await writeSnapshot(storage, A, manyNodes(300));
    const b = await writeSnapshot(
      storage,
      B,
      manyNodes(300, (id) => (id === 9 ? "changed" : undefined)),
    );
    await storage.remove(A);
    const young = await run("--json", "prune");
    expect(JSON.parse(young.stdout)).toMatchObject({
      removedChunks: 0,
      unreferencedYoung: expect.any(Number),
    });
    const pruned = await run("--json", "prune", "--grace", "0");
    expect(pruned.code).toBe(EXIT.ok);
    expect(JSON.parse(pruned.stdout).removedChunks).toBeGreaterThan(0);
    expect(new Set((await collectChunks(storage.listChunks())).map((c) => c.id))).toEqual(
      new Set(b.chunks.map((c) => c[0])),
    );
    expect((await run("check", "--read-data")).stdout).toContain(`1 snapshot in ${dir} is whole`);
    const lost = b.chunks[2]![0];
    await storage.removeChunk(lost);
    const checked = await run("--no-color", "check");
    expect(checked.code).toBe(EXIT.invalid);
    expect(checked.stdout).toContain(`chunk ${lost} is not in the storage — needed by ${B}`);
    const json = await run("--json", "check", B);
    expect(JSON.parse(json.stdout).problems).toEqual([
      expect.objectContaining({ chunk: lost, snapshots: [B] }),
    ]);
  });
});
