/**
 * The storage contract suite (neo4j-backup/testing) for the exported storages and for the faulty
 * wrapper (with no fault injected, it must behave like what it wraps); then what only the wrapper
 * and FileSystemStorage do.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { BackupError } from "../../src/errors.js";
import { collectChunks } from "../../src/storage/chunk-table.js";
import type { BackupStorage } from "../../src/storage/contract.js";
import { FileSystemStorage, INDEX_FILE_NAME, LOCK_FILE_NAME } from "../../src/storage/filesystem.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { hostTag, ownedTempName } from "../../src/storage/temp-files.js";
import { describeStorageContract } from "../../src/testing/index.js";
import { validateBackup } from "../../src/validate/validate-backup.js";
import { buildDocument, chunks } from "../support/documents.js";
import { FaultyStorage } from "../support/faulty-storage.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "neo4j-backup-storage-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function* failingAfter(content: string, n: number): AsyncGenerator<string> {
  yield content.slice(0, n);
  throw new Error("producer failed");
}

const DOC = buildDocument();
const NAME = "b_20250128_143022.json";

/** A new folder for one storage, removed by {@link removeFolder}. */
function newFolder(): Promise<string> {
  return mkdtemp(join(tmpdir(), "neo4j-backup-storage-"));
}

function removeFolder(directory: string): Promise<void> {
  return rm(directory, { recursive: true, force: true });
}

describeStorageContract(
  { name: "MemoryStorage", replace: true, chunks: true, create: () => new MemoryStorage() },
  { describe, it },
);

describeStorageContract(
  {
    name: "FileSystemStorage",
    openWriter: true,
    replace: true,
    chunks: true,
    // a folder that does not exist yet: the storage creates it
    create: async () => new FileSystemStorage({ directory: join(await newFolder(), "nested", "dir") }),
    cleanup: (storage) => removeFolder(join(storage.directory, "..", "..")),
  },
  { describe, it },
);

describeStorageContract(
  {
    name: "FaultyStorage(no faults) over FileSystemStorage",
    create: async () => new FaultyStorage(new FileSystemStorage({ directory: await newFolder() }), {}),
    cleanup: (storage) => removeFolder((storage.inner as FileSystemStorage).directory),
  },
  { describe, it },
);

const storages: [string, () => Promise<BackupStorage>][] = [
  ["MemoryStorage", async () => new MemoryStorage()],
  ["FileSystemStorage", async () => new FileSystemStorage({ directory: await tempDir() })],
];

describe("faulty storage wrapper", () => {
  for (const [label, make] of storages) {
    it(`an interrupted write through it publishes nothing on ${label}`, async () => {
      const inner = await make();
      const faulty = new FaultyStorage(inner, { failWriteAfterBytes: 300 });
      await expect(faulty.write(NAME, chunks(DOC, 64))).rejects.toThrow(/disk full/);
      expect(await inner.list()).toEqual([]);
    });

    it(`a corrupted read is caught by validation (checksum or structure) on ${label}`, async () => {
      const inner = await make();
      await inner.write(NAME, chunks(DOC));
      // flip a bit inside a property value: still valid JSON, so only the checksum can tell
      const at = DOC.indexOf("readBlocking");
      const report = await validateBackup({
        storage: new FaultyStorage(inner, { flipReadByteAt: at }),
        name: NAME,
      });
      expect(report.valid).toBe(false);
      expect(report.problems.map((p) => p.code)).toContain("CHECKSUM");
      const failing = await validateBackup({
        storage: new FaultyStorage(inner, { failReadAfterBytes: 200 }),
        name: NAME,
      }).catch((e) => e);
      expect(failing instanceof Error ? failing.message : JSON.stringify(failing.problems)).toMatch(
        /injected read failure/,
      );
    });
  }
});

describe("FileSystemStorage specifics", () => {
  it("creates the folder 0750 and files 0640, and leaves no temporary file", async () => {
    const directory = join(await tempDir(), "fullbackup");
    const storage = new FileSystemStorage({ directory });
    await storage.write(NAME, chunks(DOC));
    await storage.writeIndex("{}");
    expect((await stat(directory)).mode & 0o777).toBe(0o750);
    expect((await stat(join(directory, NAME))).mode & 0o777).toBe(0o640);
    expect((await stat(join(directory, INDEX_FILE_NAME))).mode & 0o777).toBe(0o640);
    await storage.write("c_20250128_143022.json", failingAfter(DOC, 10)).catch(() => {});
    expect((await readdir(directory)).sort()).toEqual([INDEX_FILE_NAME, NAME].sort());
  });

  it("its writer refuses overwrites past the end with a RangeError, and a discarded one leaves no file", async () => {
    const storage = new FileSystemStorage({ directory: await tempDir() });
    const writer = await storage.openWriter();
    await writer.append(Buffer.from("abc"));
    await expect(writer.overwrite(2, Buffer.from("xy"))).rejects.toThrow(RangeError);
    await writer.discard();
    expect(await readdir(storage.directory)).toEqual([]);
    await expect(writer.publish(NAME)).rejects.toThrow(/discarded/);
  });

  it("keeps a chunk in chunks/<first two hex digits>/<id> with the file mode, folders with the folder mode, no temporary file left", async () => {
    const directory = join(await tempDir(), "fullbackup");
    const storage = new FileSystemStorage({ directory, fileMode: 0o600, directoryMode: 0o700 });
    const bytes = Buffer.from("a chunk");
    const id = createHash("sha256").update(bytes).digest("hex");
    expect(await storage.putChunk(id, bytes)).toBe(true);
    const sub = join(directory, "chunks", id.slice(0, 2));
    expect(await readdir(sub)).toEqual([id]);
    expect((await stat(join(sub, id))).mode & 0o777).toBe(0o600);
    expect((await stat(join(directory, "chunks"))).mode & 0o777).toBe(0o700);
    expect((await stat(sub)).mode & 0o777).toBe(0o700);
    expect(await storage.putChunk(id, Buffer.from("other"))).toBe(false);
    expect(await readdir(sub)).toEqual([id]);
    expect(await readdir(directory)).toEqual(["chunks"]);
  });

  it("removes a killed writer's temporary chunk file when the lock is next taken, and lists only chunks", async () => {
    const storage = new FileSystemStorage({ directory: await tempDir() });
    const bytes = Buffer.from("kept");
    const id = createHash("sha256").update(bytes).digest("hex");
    await storage.putChunk(id, bytes);
    const sub = join(storage.directory, "chunks", id.slice(0, 2));
    // a process that has exited: its pid names a writer that is gone
    const gone = spawnSync(process.execPath, [
      "-e",
      "process.stdout.write(String(process.pid))",
    ]).stdout.toString();
    const killed = `.${id}.${gone}-${hostTag()}-0123456789ab.tmp`;
    const live = ownedTempName(`.${id}.`, ".tmp"); // this process's: a writer still at work
    const foreign = `.${id}.${gone}-${hostTag("another-host")}-0123456789ab.tmp`;
    const strays = ["notes.txt", id.toUpperCase(), `${"f".repeat(64)}`]; // not ids, or in the wrong folder
    for (const name of [killed, live, foreign, ...strays]) await writeFile(join(sub, name), "partial");
    await mkdir(join(storage.directory, "chunks", "zz"));
    await writeFile(join(storage.directory, "chunks", "zz", id), "in a folder that is not a prefix");
    expect((await collectChunks(storage.listChunks())).map((c) => c.id)).toEqual([id]);
    expect(await storage.list()).toEqual([]);
    const lock = await storage.lock();
    await lock.release();
    expect((await readdir(sub)).sort()).toEqual([id, live, foreign, ...strays].sort());
    // another host's is removed once it is an hour old
    const old = new Date(Date.now() - 2 * 60 * 60_000);
    await utimes(join(sub, foreign), old, old);
    await (await storage.lock()).release();
    expect((await readdir(sub)).sort()).toEqual([id, live, ...strays].sort());
  });

  it("refuses a folder given as the argument itself, naming the option to use", () => {
    const asString = () => new FileSystemStorage("/tmp/elsewhere" as never);
    expect(asString).toThrow(BackupError);
    expect(asString).toThrow(/pass \{ directory: "\/tmp\/elsewhere" \}/);
  });

  it("defaults to neo4j/fullbackup", () => {
    expect(new FileSystemStorage().directory).toBe(join(process.cwd(), "neo4j", "fullbackup"));
  });

  it("init creates the folder with a README.md and .gitkeep, and overwrites nothing", async () => {
    const directory = join(await tempDir(), "fullbackup");
    const storage = new FileSystemStorage({ directory });
    const first = await storage.init();
    expect(first.created.map((p) => p.replace(`${directory}/`, ""))).toEqual([
      directory,
      "README.md",
      ".gitkeep",
    ]);
    expect((await readdir(directory)).sort()).toEqual([".gitkeep", "README.md"]);
    expect(await storage.list()).toEqual([]);
    expect((await storage.init()).created).toEqual([]);
  });

  it("the lock holds across processes, and a holder killed with SIGKILL does not block forever", async () => {
    const directory = await tempDir();
    const entry = fileURLToPath(new URL("../../src/storage/filesystem.ts", import.meta.url));
    const holder = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        fileURLToPath(new URL("../support/lock-holder.mjs", import.meta.url)),
        entry,
        directory,
      ],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    cleanups.push(async () => {
      holder.kill("SIGKILL");
    });
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on("data", (d: Buffer) => d.toString().includes("locked") && resolve());
      holder.on("exit", (code) => reject(new Error(`lock holder exited with ${code}`)));
    });
    const storage = new FileSystemStorage({ directory });
    await expect(storage.lock({ timeoutMs: 300 })).rejects.toMatchObject({
      code: "LOCKED",
      message: expect.stringContaining(`process ${holder.pid}`),
    });
    const exited = new Promise((r) => holder.once("exit", r));
    holder.kill("SIGKILL");
    await exited;
    // the lock file is still there, but its holder is gone: it is taken over
    expect((await readdir(directory)).includes(LOCK_FILE_NAME)).toBe(true);
    const lock = await storage.lock({ timeoutMs: 5000 });
    await lock.release();
    expect((await readdir(directory)).includes(LOCK_FILE_NAME)).toBe(false);
  });
});
