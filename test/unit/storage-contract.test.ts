/**
 * The storage contract: every BackupStorage must pass this suite. It runs for the exported
 * storages and for the faulty wrapper (with no fault injected, it must behave like what it wraps).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { BackupError } from "../../src/errors.js";
import type { BackupStorage } from "../../src/storage/contract.js";
import { FileSystemStorage, INDEX_FILE_NAME, LOCK_FILE_NAME } from "../../src/storage/filesystem.js";
import { MemoryStorage } from "../../src/storage/memory.js";
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

async function readAll(storage: BackupStorage, name: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of await storage.read(name)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

async function* failingAfter(content: string, n: number): AsyncGenerator<string> {
  yield content.slice(0, n);
  throw new Error("producer failed");
}

const DOC = buildDocument();
const NAME = "b_20250128_143022.json";

const storages: [string, () => Promise<BackupStorage>][] = [
  ["MemoryStorage", async () => new MemoryStorage()],
  [
    "FileSystemStorage",
    async () => new FileSystemStorage({ directory: join(await tempDir(), "nested", "dir") }),
  ],
  [
    "FaultyStorage(no faults) over FileSystemStorage",
    async () => new FaultyStorage(new FileSystemStorage({ directory: await tempDir() }), {}),
  ],
];

describe.each(storages)("storage contract: %s", (_label, make) => {
  it("stores and returns the exact bytes, with stat and list", async () => {
    const storage = await make();
    const stored = await storage.write(NAME, chunks(DOC, 1000));
    expect(stored).toMatchObject({ name: NAME, size: Buffer.byteLength(DOC) });
    expect((await readAll(storage, NAME)).toString()).toBe(DOC);
    expect(await storage.stat(NAME)).toMatchObject({ name: NAME, size: Buffer.byteLength(DOC) });
    expect((await storage.stat(NAME))!.modified).toBeInstanceOf(Date);
    expect((await storage.list()).map((f) => f.name)).toEqual([NAME]);
  });

  it("never overwrites: a taken name fails with BACKUP_EXISTS and the first content stays", async () => {
    const storage = await make();
    await storage.write(NAME, chunks(DOC));
    await expect(storage.write(NAME, chunks("other"))).rejects.toMatchObject({ code: "BACKUP_EXISTS" });
    expect((await readAll(storage, NAME)).toString()).toBe(DOC);
  });

  it("two writers of one name at once: exactly one wins", async () => {
    const storage = await make();
    const results = await Promise.allSettled([
      storage.write(NAME, chunks(DOC, 50)),
      storage.write(NAME, chunks(DOC, 70)),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(failed.reason).toMatchObject({ code: "BACKUP_EXISTS" });
    expect((await readAll(storage, NAME)).toString()).toBe(DOC);
  });

  it("an interrupted write publishes nothing", async () => {
    const storage = await make();
    await expect(storage.write(NAME, failingAfter(DOC, 100))).rejects.toThrow();
    expect(await storage.stat(NAME)).toBeUndefined();
    expect(await storage.list()).toEqual([]);
    await expect(storage.read(NAME)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("an aborted write publishes nothing", async () => {
    const storage = await make();
    const controller = new AbortController();
    controller.abort();
    await expect(storage.write(NAME, chunks(DOC), { signal: controller.signal })).rejects.toMatchObject({
      code: "ABORTED",
    });
    expect(await storage.list()).toEqual([]);
  });

  it("absent names: read fails with NOT_FOUND, stat is undefined, remove is harmless", async () => {
    const storage = await make();
    await expect(storage.read(NAME)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await storage.stat(NAME)).toBeUndefined();
    await storage.remove(NAME);
    await storage.write(NAME, chunks(DOC));
    await storage.remove(NAME);
    expect(await storage.list()).toEqual([]);
  });

  it("refuses names that are not plain .json file names", async () => {
    const storage = await make();
    for (const bad of ["../x.json", ".hidden.json", "a/b.json", "x.txt", ""]) {
      await expect(storage.write(bad, chunks(DOC))).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    }
  });

  it("keeps an index document that is replaced whole and never listed as a backup", async () => {
    const storage = await make();
    expect(await storage.readIndex()).toBeUndefined();
    await storage.writeIndex('{"a":1}');
    await storage.writeIndex('{"a":2}');
    expect(await storage.readIndex()).toBe('{"a":2}');
    expect(await storage.list()).toEqual([]);
  });

  it("has one lock: a second taker waits until the first releases, or times out with LOCKED", async () => {
    const storage = await make();
    const first = await storage.lock();
    const timedOut = await storage.lock({ timeoutMs: 100 }).catch((e) => e);
    expect(timedOut).toBeInstanceOf(BackupError);
    expect(timedOut.code).toBe("LOCKED");
    let waited = "";
    const second = storage.lock({ onWait: (holder) => (waited = holder) });
    await new Promise((r) => setTimeout(r, 150));
    let secondHeld = false;
    void second.then(() => (secondHeld = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(secondHeld).toBe(false);
    expect(waited).not.toBe("");
    await first.release();
    await first.release();
    const lock = await second;
    await lock.release();
  });
});

const inPlace = storages.filter(([label]) => label === "FileSystemStorage");

describe.each(inPlace)("in-place writer contract: %s", (_label, make) => {
  it("appends, overwrites near the start, and publishes the exact bytes under a name", async () => {
    const storage = await make();
    const writer = await storage.openWriter!();
    await writer.append(Buffer.from("xxxxxxxx\n"));
    await writer.append(Buffer.from(DOC.slice(9)));
    await writer.overwrite(0, Buffer.from(DOC.slice(0, 9)));
    expect(await storage.list()).toEqual([]);
    const stored = await writer.publish(NAME);
    expect(stored.size).toBe(Buffer.byteLength(DOC));
    expect((await readAll(storage, NAME)).toString()).toBe(DOC);
    await writer.discard();
    expect((await readAll(storage, NAME)).toString()).toBe(DOC);
  });

  it("a taken name fails with BACKUP_EXISTS and another name can follow; the first file stays", async () => {
    const storage = await make();
    await storage.write(NAME, chunks("first"));
    const writer = await storage.openWriter!();
    await writer.append(Buffer.from("second"));
    const taken = await writer.publish(NAME).catch((e) => e);
    expect(taken).toBeInstanceOf(BackupError);
    expect(taken.code).toBe("BACKUP_EXISTS");
    await writer.publish("other_20250128_143022.json");
    expect((await readAll(storage, NAME)).toString()).toBe("first");
    expect((await readAll(storage, "other_20250128_143022.json")).toString()).toBe("second");
  });

  it("a discarded writer leaves nothing, and refuses overwrites outside what was written", async () => {
    const storage = await make();
    const writer = await storage.openWriter!();
    await writer.append(Buffer.from("abc"));
    await expect(writer.overwrite(2, Buffer.from("xy"))).rejects.toThrow(RangeError);
    await writer.discard();
    await writer.discard();
    expect(await storage.list()).toEqual([]);
    if (storage instanceof FileSystemStorage) expect(await readdir(storage.directory)).toEqual([]);
    await expect(writer.publish(NAME)).rejects.toThrow(/discarded/);
  });
});

describe("faulty storage wrapper", () => {
  for (const [label, make] of storages.slice(0, 2)) {
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
