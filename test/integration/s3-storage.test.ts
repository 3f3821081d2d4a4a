/**
 * S3Storage against a real S3-compatible server (versitygw, or the service S3_ENDPOINT names): the
 * shared storage contract suite, then what only S3 does — conditional writes, multipart uploads
 * that leave nothing behind, listing past 1,000 objects, the chunks of snapshots, the lock object
 * across processes, the conditional index, and the errors that retrying cannot fix.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { BackupError } from "../../src/errors.js";
import { collectChunks } from "../../src/storage/chunk-table.js";
import type { S3Storage } from "../../src/storage/s3/s3-storage.js";
import { describeStorageContract } from "../../src/testing/index.js";
import { expectLockSinceTaken } from "../support/lock-since.js";
import {
  adminClient,
  listKeys,
  listUploads,
  newS3Storage,
  removePrefix,
  s3Options,
  s3Service,
} from "../support/s3.js";

describeStorageContract<S3Storage>(
  {
    name: "S3Storage",
    create: () => newS3Storage({ lockPollMs: 100 }),
    chunks: true,
    cleanup: (storage) => removePrefix(storage.prefix),
    // S3Storage implements the optional `replace` (a plain put): the suite checks it where it knows it
    ...({ replace: true } as object),
  },
  { describe, it },
);

const NAME = "b_20250128_143022.json";
const MiB = 1024 * 1024;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A storage whose prefix is removed after the test. */
function storage(overrides: Parameters<typeof newS3Storage>[0] = {}): S3Storage {
  const s = newS3Storage({ lockPollMs: 100, ...overrides });
  cleanups.push(() => removePrefix(s.prefix));
  return s;
}

/** `size` bytes in chunks of 64 KiB, the first byte `fill`; fails after `failAfter` bytes if given. */
async function* bytes(size: number, fill = 97, failAfter?: number): AsyncGenerator<Uint8Array> {
  const chunk = Buffer.alloc(64 * 1024, fill);
  for (let sent = 0; sent < size; sent += chunk.length) {
    if (failAfter !== undefined && sent >= failAfter) throw new Error("producer failed");
    yield chunk.subarray(0, Math.min(chunk.length, size - sent));
  }
}

async function readAll(s: S3Storage, name: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of await s.read(name)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

describe("the S3 service honours the conditions S3Storage relies on", () => {
  it("If-None-Match: * on PutObject and CompleteMultipartUpload, If-Match on PutObject and DeleteObject: 412", async () => {
    const sdk = await import("@aws-sdk/client-s3");
    const s = storage();
    const client = adminClient();
    cleanups.push(async () => client.destroy());
    const Bucket = s.bucket;
    const Key = s.keyOf(NAME);
    const status = (p: Promise<unknown>) =>
      p.then(
        () => 200,
        (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode,
      );
    const first = await client.send(new sdk.PutObjectCommand({ Bucket, Key, Body: "one", IfNoneMatch: "*" }));
    expect(
      await status(client.send(new sdk.PutObjectCommand({ Bucket, Key, Body: "two", IfNoneMatch: "*" }))),
    ).toBe(412);
    const upload = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket, Key }));
    const part = await client.send(
      new sdk.UploadPartCommand({ Bucket, Key, UploadId: upload.UploadId, PartNumber: 1, Body: "three" }),
    );
    const complete = new sdk.CompleteMultipartUploadCommand({
      Bucket,
      Key,
      UploadId: upload.UploadId,
      IfNoneMatch: "*",
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    });
    expect(await status(client.send(complete))).toBe(412);
    await client.send(new sdk.AbortMultipartUploadCommand({ Bucket, Key, UploadId: upload.UploadId }));
    const second = await client.send(
      new sdk.PutObjectCommand({ Bucket, Key, Body: "four", IfMatch: first.ETag }),
    );
    expect(
      await status(client.send(new sdk.PutObjectCommand({ Bucket, Key, Body: "five", IfMatch: first.ETag }))),
    ).toBe(412);
    expect(await status(client.send(new sdk.DeleteObjectCommand({ Bucket, Key, IfMatch: first.ETag })))).toBe(
      412,
    );
    expect((await readAll(s, NAME)).toString()).toBe("four");
    expect(
      await status(client.send(new sdk.DeleteObjectCommand({ Bucket, Key, IfMatch: second.ETag }))),
    ).toBe(200);
    expect(await s.stat(NAME)).toBeUndefined();
    expect(await listUploads(s.prefix)).toEqual([]);
  });
});

describe("S3Storage: multipart uploads", () => {
  it("a large backup is uploaded in parts and read back exactly", async () => {
    const s = storage({ partSizeBytes: 5 * MiB, queueSize: 2 });
    const stored = await s.write(NAME, bytes(12 * MiB + 123));
    expect(stored.size).toBe(12 * MiB + 123);
    const back = await readAll(s, NAME);
    expect(back.length).toBe(12 * MiB + 123);
    expect(back.every((b) => b === 97)).toBe(true);
    expect(await listUploads(s.prefix)).toEqual([]);
  });

  it("two multipart writers of one name: exactly one wins, the other gets BACKUP_EXISTS, no upload is left", async () => {
    const s = storage({ partSizeBytes: 5 * MiB, queueSize: 2 });
    const results = await Promise.allSettled([
      s.write(NAME, bytes(11 * MiB, 97)),
      s.write(NAME, bytes(11 * MiB, 98)),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: "BACKUP_EXISTS" });
    const winner = results[0]!.status === "fulfilled" ? 97 : 98;
    const back = await readAll(s, NAME);
    expect(back.length).toBe(11 * MiB);
    expect(back.every((b) => b === winner)).toBe(true);
    expect(await listUploads(s.prefix)).toEqual([]);
  });

  it("a producer that fails after two parts leaves no object and no unfinished upload", async () => {
    const s = storage({ partSizeBytes: 5 * MiB, queueSize: 2 });
    await expect(s.write(NAME, bytes(20 * MiB, 97, 11 * MiB))).rejects.toThrow(/producer failed/);
    expect(await s.stat(NAME)).toBeUndefined();
    expect(await listKeys(s.prefix)).toEqual([]);
    expect(await listUploads(s.prefix)).toEqual([]);
  });

  it("an upload aborted after two parts fails with ABORTED and leaves nothing", async () => {
    const s = storage({ partSizeBytes: 5 * MiB, queueSize: 2 });
    const controller = new AbortController();
    async function* abortingLate() {
      let sent = 0;
      for await (const chunk of bytes(20 * MiB)) {
        sent += chunk.length;
        if (sent > 11 * MiB) controller.abort();
        yield chunk;
      }
    }
    await expect(s.write(NAME, abortingLate(), { signal: controller.signal })).rejects.toMatchObject({
      code: "ABORTED",
    });
    expect(await listKeys(s.prefix)).toEqual([]);
    expect(await listUploads(s.prefix)).toEqual([]);
  });

  it("taking the lock aborts unfinished uploads that a killed writer left", async () => {
    const s = storage();
    const client = adminClient();
    cleanups.push(async () => client.destroy());
    const { CreateMultipartUploadCommand } = await import("@aws-sdk/client-s3");
    await client.send(new CreateMultipartUploadCommand({ Bucket: s.bucket, Key: s.keyOf(NAME) }));
    expect(await listUploads(s.prefix)).toHaveLength(1);
    const lock = await s.lock();
    await lock.release();
    expect(await listUploads(s.prefix)).toEqual([]);
  });

  it("server-side encryption, the KMS key id and the storage class go with every new backup", async () => {
    const service = s3Service();
    const seen: Record<string, string>[] = [];
    const client = new S3Client({
      region: service.region,
      ...(service.endpoint ? { endpoint: service.endpoint } : {}),
      ...(service.credentials ? { credentials: service.credentials } : {}),
      forcePathStyle: service.forcePathStyle,
    });
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method?: string; headers?: Record<string, string> };
        if (request.method === "PUT" || request.method === "POST") seen.push({ ...request.headers });
        return next(args);
      },
      { step: "finalizeRequest" },
    );
    const s = storage({
      client,
      serverSideEncryption: "aws:kms",
      kmsKeyId: "alias/backups",
      storageClass: "STANDARD",
    });
    await s.write(NAME, bytes(1000));
    const put = seen.find((h) => h["if-none-match"] === "*");
    expect(put).toMatchObject({
      "x-amz-server-side-encryption": "aws:kms",
      "x-amz-server-side-encryption-aws-kms-key-id": "alias/backups",
      "x-amz-storage-class": "STANDARD",
    });
  });
});

describe("S3Storage: listing and the index", () => {
  it("lists past 1,000 objects, only backups directly below the prefix", async () => {
    const s = storage();
    const names = Array.from({ length: 1005 }, (_, i) => `n_20250101_${String(i).padStart(6, "0")}.json`);
    const client = adminClient();
    cleanups.push(async () => client.destroy());
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names
          .slice(i, i + 50)
          .map((n) => client.send(new PutObjectCommand({ Bucket: s.bucket, Key: s.keyOf(n), Body: "{}" }))),
      );
    }
    for (const key of ["nested/x_20250101_000000.json", "notes.txt", ".hidden.json"]) {
      await client.send(new PutObjectCommand({ Bucket: s.bucket, Key: s.keyOf(key), Body: "{}" }));
    }
    await s.writeIndex("{}");
    const listed = (await s.list()).map((b) => b.name).sort();
    expect(listed).toEqual(names);
  });

  it("the index is replaced only if unchanged since it was read: a concurrent update is never lost", async () => {
    const a = storage();
    const b = newS3Storage({ prefix: a.prefix });
    expect(await a.readIndex()).toBeUndefined();
    expect(await b.readIndex()).toBeUndefined();
    await b.writeIndex('{"by":"b"}');
    await expect(a.writeIndex('{"by":"a"}')).rejects.toMatchObject({ code: "LOCKED" });
    expect(await a.readIndex()).toBe('{"by":"b"}');
    await a.writeIndex('{"by":"a"}');
    await expect(b.writeIndex('{"by":"b2"}')).rejects.toMatchObject({ code: "LOCKED" });
    expect(await b.readIndex()).toBe('{"by":"a"}');
  });
});

/** A chunk as snapshots make them: its id is the SHA-256 of its bytes. */
function chunk(text: string): { id: string; bytes: Buffer } {
  const bytes = Buffer.from(text);
  return { id: createHash("sha256").update(bytes).digest("hex"), bytes };
}

describe("S3Storage: the chunks of snapshots", () => {
  it("keeps a chunk under <prefix>chunks/<first two hex digits>/<id>, and lists past 1,000 chunks", async () => {
    const s = storage();
    const chunks = Array.from({ length: 1001 }, (_, i) => chunk(`chunk ${i}`));
    for (let i = 0; i < chunks.length; i += 50) {
      const stored = await Promise.all(chunks.slice(i, i + 50).map((c) => s.putChunk(c.id, c.bytes)));
      expect(stored.every((r) => r === true)).toBe(true);
    }
    const first = chunks[0]!;
    expect(await listKeys(s.keyOf(`chunks/${first.id.slice(0, 2)}/${first.id}`))).toEqual([
      s.keyOf(`chunks/${first.id.slice(0, 2)}/${first.id}`),
    ]);
    // keys below chunks/ that are not chunks where they are: ignored
    const client = adminClient();
    cleanups.push(async () => client.destroy());
    for (const key of ["chunks/notes.txt", `chunks/${first.id}`, `chunks/zz/${first.id}`, "chunks/ab/x"]) {
      await client.send(new PutObjectCommand({ Bucket: s.bucket, Key: s.keyOf(key), Body: "x" }));
    }
    const listed = await collectChunks(s.listChunks());
    expect(listed).toHaveLength(1001);
    expect(listed.map((c) => c.id).sort()).toEqual(chunks.map((c) => c.id).sort());
    expect(listed.find((c) => c.id === first.id)?.size).toBe(first.bytes.length);
    await s.write(NAME, bytes(10));
    expect((await s.list()).map((b) => b.name)).toEqual([NAME]);
    expect(await s.unfinishedUploads()).toBe(0);
  });

  it("an absent chunk is NOT_FOUND naming bucket and key; server-side encryption goes with every chunk", async () => {
    const service = s3Service();
    const seen: Record<string, string>[] = [];
    const client = new S3Client({
      region: service.region,
      ...(service.endpoint ? { endpoint: service.endpoint } : {}),
      ...(service.credentials ? { credentials: service.credentials } : {}),
      forcePathStyle: service.forcePathStyle,
    });
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method?: string; headers?: Record<string, string> };
        if (request.method === "PUT") seen.push({ ...request.headers });
        return next(args);
      },
      { step: "finalizeRequest" },
    );
    const s = storage({ client, serverSideEncryption: "AES256", storageClass: "STANDARD" });
    const { id, bytes: content } = chunk("encrypted at rest");
    const key = s.keyOf(`chunks/${id.slice(0, 2)}/${id}`);
    await expect(s.readChunk(id)).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining(`s3://${s.bucket}/${key}`),
    });
    expect(await s.putChunk(id, content)).toBe(true);
    const put = seen.find((h) => h["if-none-match"] === "*");
    expect(put).toMatchObject({
      "x-amz-server-side-encryption": "AES256",
      "content-type": "application/octet-stream",
    });
    expect(put?.["x-amz-storage-class"]).toBeUndefined();
    expect(Buffer.from(await s.readChunk(id)).equals(content)).toBe(true);
  });

  it("a put that meets another conditional write of its key under way (409) is tried again", async () => {
    const service = s3Service();
    let conflicts = 2;
    let puts = 0;
    const client = new S3Client({
      region: service.region,
      ...(service.endpoint ? { endpoint: service.endpoint } : {}),
      ...(service.credentials ? { credentials: service.credentials } : {}),
      forcePathStyle: service.forcePathStyle,
      maxAttempts: 1,
    });
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Key?: string; IfNoneMatch?: string };
        if (input.IfNoneMatch === "*" && input.Key?.includes("/chunks/")) {
          puts++;
          if (conflicts-- > 0) {
            throw Object.assign(new Error("A conflicting conditional operation is in progress"), {
              name: "ConditionalRequestConflict",
              $metadata: { httpStatusCode: 409 },
            });
          }
        }
        return next(args);
      },
      { step: "initialize" },
    );
    const s = storage({ client });
    const { id, bytes: content } = chunk("contended");
    expect(await s.putChunk(id, content)).toBe(true);
    expect(puts).toBe(3);
    conflicts = 100;
    const failing = chunk("always contended");
    await expect(s.putChunk(failing.id, failing.bytes)).rejects.toMatchObject({
      code: "STORAGE",
      message: expect.stringContaining(failing.id),
    });
    expect(puts).toBe(3 + 6);
    await expect(s.readChunk(failing.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

const WORKER = fileURLToPath(new URL("../support/s3-worker.mjs", import.meta.url));
const STORAGE_ENTRY = fileURLToPath(new URL("../../src/index.ts", import.meta.url));

function startHolder(prefix: string): Promise<ChildProcess> {
  const options = JSON.stringify(s3Options({ prefix }));
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, STORAGE_ENTRY, options, "lock"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  cleanups.push(async () => child.kill("SIGKILL"));
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("locked") && resolve(child));
    child.on("exit", (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
}

/** The lease of the lock tests. */
const LEASE_MS = 1500;

describe("S3Storage: the lock object", () => {
  it("records when it was taken: a waiter's lock says since its release, not since the wait began", async () => {
    await expectLockSinceTaken(storage());
  });

  it("holds across processes; a holder killed with SIGKILL on this host is taken over at once", async () => {
    const s = storage();
    const holder = await startHolder(s.prefix);
    await expect(s.lock({ timeoutMs: 300 })).rejects.toMatchObject({
      code: "LOCKED",
      message: expect.stringContaining(`process ${holder.pid}`),
    });
    const exited = new Promise((r) => holder.once("exit", r));
    holder.kill("SIGKILL");
    await exited;
    expect(await listKeys(s.prefix)).toEqual([s.keyOf(".neo4j-backup.lock")]);
    const lock = await s.lock({ timeoutMs: 5000 });
    await lock.release();
    expect(await listKeys(s.prefix)).toEqual([]);
  });

  it("a lock of another host is taken over after one lease without renewal, never while it is renewed", async () => {
    // leases of seconds, not milliseconds: a renewal delayed by a busy machine must not look like a dead holder
    const s = storage({ lockLeaseMs: LEASE_MS });
    const client = adminClient();
    cleanups.push(async () => client.destroy());
    const record = {
      pid: 1,
      host: "elsewhere",
      token: "t",
      acquired: "2025-01-01T00:00:00Z",
      leaseMs: LEASE_MS,
    };
    await client.send(
      new PutObjectCommand({
        Bucket: s.bucket,
        Key: s.keyOf(".neo4j-backup.lock"),
        Body: JSON.stringify(record),
      }),
    );
    const started = Date.now();
    const waits: string[] = [];
    const lock = await s.lock({ timeoutMs: 10_000, onWait: (h) => waits.push(h) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(LEASE_MS - 50);
    expect(waits).toEqual(["process 1 on elsewhere (since 2025-01-01T00:00:00Z)"]);
    // now held and renewed every sixth of the lease: another storage on the prefix never takes it over
    const other = newS3Storage({ prefix: s.prefix, lockLeaseMs: LEASE_MS, lockPollMs: 100 });
    await expect(other.lock({ timeoutMs: 2 * LEASE_MS })).rejects.toMatchObject({ code: "LOCKED" });
    await lock.release();
  });

  it("a stale lock its holder removes between being read and being taken over is created anew", async () => {
    const admin = adminClient();
    cleanups.push(async () => admin.destroy());
    // a lock of this process that it no longer holds: judged gone at once, then taken over
    // the storage's own client: right after its first read of the lock, the holder's release removes it
    const client = adminClient();
    cleanups.push(async () => client.destroy());
    const s = storage({ client });
    const key = s.keyOf(".neo4j-backup.lock");
    const record = { pid: process.pid, host: hostname(), token: "released", acquired: "x", leaseMs: 60_000 };
    await admin.send(new PutObjectCommand({ Bucket: s.bucket, Key: key, Body: JSON.stringify(record) }));
    let removed = false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === "GetObjectCommand" && !removed) {
          removed = true;
          await admin.send(new DeleteObjectCommand({ Bucket: s.bucket, Key: key }));
        }
        return result;
      },
      { step: "initialize" },
    );
    const lock = await s.lock({ timeoutMs: 5000 });
    expect(removed).toBe(true);
    expect(await listKeys(s.prefix)).toEqual([key]);
    await lock.release();
    expect(await listKeys(s.prefix)).toEqual([]);
  });

  it("a holder whose lock was taken over writes nothing more (LOCKED)", async () => {
    const s = storage({ lockLeaseMs: LEASE_MS });
    const lock = await s.lock();
    const client = adminClient();
    cleanups.push(async () => client.destroy());
    const thief = {
      pid: 2,
      host: "elsewhere",
      token: "x",
      acquired: new Date().toISOString(),
      leaseMs: 60_000,
    };
    await client.send(
      new PutObjectCommand({
        Bucket: s.bucket,
        Key: s.keyOf(".neo4j-backup.lock"),
        Body: JSON.stringify(thief),
      }),
    );
    // a renewal (every sixth of the lease) finds the thief's lock; wait for several of them
    await new Promise((r) => setTimeout(r, LEASE_MS));
    await expect(s.write(NAME, bytes(10))).rejects.toMatchObject({
      code: "LOCKED",
      message: expect.stringContaining("process 2 on elsewhere"),
    });
    await expect(s.writeIndex("{}")).rejects.toMatchObject({ code: "LOCKED" });
    await lock.release();
    // the thief's lock stays: releasing a lost lock removes nothing
    expect(await listKeys(s.prefix)).toEqual([s.keyOf(".neo4j-backup.lock")]);
  });
});

describe("S3Storage: what retrying cannot fix", () => {
  it("wrong credentials: one clear error naming bucket and key, never the secret", async () => {
    const secret = "wrong-secret-0123456789";
    const s = newS3Storage({
      credentials: { accessKeyId: s3Service().credentials?.accessKeyId ?? "x", secretAccessKey: secret },
    });
    const error = await s.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect(error).toMatchObject({
      code: "STORAGE",
      details: { reason: "BAD_CREDENTIALS", bucket: s.bucket },
    });
    expect((error as Error).message).toContain(`s3://${s.bucket}/${s.prefix}`);
    expect(JSON.stringify({ m: (error as Error).message, d: (error as BackupError).details })).not.toContain(
      secret,
    );
  });

  it("a missing bucket: NO_SUCH_BUCKET, and nothing is created", async () => {
    const s = newS3Storage({ bucket: "no-such-bucket-neo4j-backup" });
    await expect(s.write(NAME, bytes(10))).rejects.toMatchObject({
      code: "STORAGE",
      details: { reason: "NO_SUCH_BUCKET", bucket: "no-such-bucket-neo4j-backup" },
      message: expect.stringContaining("the bucket no-such-bucket-neo4j-backup does not exist"),
    });
    await expect(s.lock({ timeoutMs: 100 })).rejects.toMatchObject({ details: { reason: "NO_SUCH_BUCKET" } });
  });

  it.skipIf(s3Service().label !== "versitygw")(
    "a wrong region: WRONG_REGION naming the bucket's region",
    async () => {
      const s = newS3Storage({ region: "eu-west-1" });
      await expect(s.stat(NAME)).rejects.toMatchObject({
        code: "STORAGE",
        details: { reason: "WRONG_REGION" },
        message: expect.stringContaining("it is in us-east-1"),
      });
    },
  );
});
