/**
 * The lifecycle with compressed and encrypted files: names carry the layers, retention groups by
 * prefix whatever the extension, the index records the layers (and reads indexes written before
 * them), and an encrypted file it does not know is listed from its name until a key opens it.
 */
import { describe, expect, it } from "vitest";
import { SpoolWriter } from "../../src/backup/spool-writer.js";
import { EncodedWriter, resolveEncoding } from "../../src/codec/encoded-writer.js";
import {
  backupExtension,
  backupFileName,
  hasBackupExtension,
  layersOfName,
  parseBackupFileName,
} from "../../src/format/naming.js";
import { backupKind, listBackups } from "../../src/lifecycle/backup-index.js";
import { latestBackupName } from "../../src/lifecycle/latest.js";
import { retentionCandidates } from "../../src/lifecycle/retention.js";
import { assertValidBackupName } from "../../src/storage/contract.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { buildDocument, chunks } from "../support/documents.js";

async function keyPair(): Promise<{ identity: string; recipient: string }> {
  const age = await import("age-encryption");
  const identity = await age.generateIdentity();
  return { identity, recipient: await age.identityToRecipient(identity) };
}

describe("names with layers", () => {
  it("end in .json, .json.gz or .json.zst, optionally .age, after the timestamp and suffix", () => {
    const at = new Date(Date.UTC(2025, 0, 28, 14, 30, 22));
    expect(backupFileName("b", at, 2, { compression: "zstd", encrypted: true })).toBe(
      "b_20250128_143022_2.json.zst.age",
    );
    expect(backupExtension({ compression: "gzip", encrypted: false })).toBe(".json.gz");
    expect(parseBackupFileName("b_20250128_143022_2.json.zst.age")).toMatchObject({
      prefix: "b",
      timestamp: "20250128_143022",
      attempt: 2,
    });
    expect(layersOfName("initial_backup.json.gz.age")).toEqual({
      stem: "initial_backup",
      compression: "gzip",
      encrypted: true,
    });
    for (const ok of ["a.json", "a.json.gz", "a.json.zst", "a.json.age", "a.json.gz.age", "a.json.zst.age"]) {
      expect(hasBackupExtension(ok), ok).toBe(true);
      expect(() => assertValidBackupName(ok)).not.toThrow();
    }
    for (const bad of ["a.gz", "a.json.age.gz", "a.json.bz2", ".json.gz", "a.zst.json.x"]) {
      expect(() => assertValidBackupName(bad), bad).toThrow(/invalid backup name/);
    }
    expect(backupKind("initial_backup.json.zst.age")).toBe("distribution");
    expect(backupKind("safety_backup_20250128_143022.json.gz")).toBe("safety");
  });

  it("retention and the latest backup go by prefix and time, whatever the layers", async () => {
    const storage = new MemoryStorage();
    for (const name of [
      "b_20250101_000000.json",
      "b_20250102_000000.json.gz",
      "b_20250103_000000.json.zst.age",
      "c_20250104_000000.json.zst",
    ]) {
      await storage.write(name, chunks("{}"));
    }
    const identity = { id: "A".repeat(64), created: null, name: "neo4j", address: "a:7687" };
    const entries = (await storage.list()).map((f) => ({ name: f.name, identity }));
    expect(retentionCandidates(entries, "b_20250103_000000.json.zst.age", 2)).toEqual([
      "b_20250101_000000.json",
    ]);
    expect(await latestBackupName(storage)).toBe("c_20250104_000000.json.zst");
  });
});

describe("the index and encrypted files", () => {
  it("lists an encrypted file it does not know from its name (validity unknown), then reads it with a key", async () => {
    const { identity, recipient } = await keyPair();
    const storage = new MemoryStorage();
    const doc = buildDocument();
    const newline = doc.indexOf("\n") + 1;
    const writer = await SpoolWriter.create(storage);
    const encoding = resolveEncoding({ compression: "zstd", encryption: { recipients: [recipient] } });
    const encoded = await EncodedWriter.open(writer, encoding, Buffer.alloc(newline, 0x20));
    const rest = Buffer.from(doc.slice(newline));
    const footerStart = rest.lastIndexOf("\n", rest.length - 2) + 1;
    await encoded.append(rest.subarray(0, footerStart));
    await encoded.finish(Buffer.from(doc.slice(0, newline)), rest.subarray(footerStart));
    const name = "copied_20250128_143022.json.zst.age";
    await writer.publish(name);

    const [unknown] = await listBackups(storage);
    expect(unknown).toMatchObject({
      name,
      valid: null,
      compression: "zstd",
      encrypted: true,
      created: "2025-01-28T14:30:22.000Z",
      nodeCount: 0,
    });
    const [known] = await listBackups(storage, { decryption: { identities: [identity] } });
    expect(known).toMatchObject({ name, valid: true, nodeCount: 3, relationshipCount: 2, reason: "test" });
    expect(await storage.readIndex()).not.toContain("AGE-SECRET");
  });

  it("reads an index written before compression: the layers come from the names", async () => {
    const storage = new MemoryStorage();
    await storage.write("b_20250128_143022.json.gz", chunks("x"));
    const entry = {
      name: "b_20250128_143022.json.gz",
      kind: "backup",
      created: "2025-01-28T14:30:22.000Z",
      reason: "r",
      database: "neo4j",
      nodeCount: 1,
      relationshipCount: 0,
      size: 1,
      checksum: null,
      durationMs: null,
      server: null,
      formatVersion: 2,
      changedDuringBackup: false,
      valid: true,
    };
    await storage.writeIndex(
      JSON.stringify({
        format: "neo4j-backup-index",
        version: 1,
        updated: "2025-01-28T14:30:22.000Z",
        backups: [entry],
        restores: [],
      }),
    );
    const [listed] = await listBackups(storage);
    expect(listed).toMatchObject({ name: entry.name, compression: "gzip", encrypted: false, valid: true });
  });
});
