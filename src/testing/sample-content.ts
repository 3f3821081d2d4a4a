/**
 * The bytes the storage contract suite writes and reads back, and small helpers to stream them.
 */
import type { BackupStorage } from "neo4j-backup";

/**
 * About 100 KiB laid out like a backup file (one JSON record per line), with multi-byte UTF-8 text so
 * that bytes and characters differ, and long enough that reads and writes cross chunk boundaries.
 * It is not a valid backup: a storage keeps bytes and never parses them.
 */
export const SAMPLE_CONTENT: Buffer = buildSampleContent();

function buildSampleContent(): Buffer {
  const lines = ['{"metadata":{"format":"neo4j-backup","reason":"storage contract sample"},'];
  lines.push('"nodes":[');
  for (let id = 0; id < 700; id++) {
    const name = `node ${id}: Grüße, café, 東京, 𝄞 ${(id * 7919) % 1009}`;
    lines.push(`{"_id":${id},"_labels":["Sample"],"properties":{"name":${JSON.stringify(name)}}},`);
  }
  lines.push('],"relationships":[');
  for (let id = 0; id < 500; id++) {
    lines.push(`{"_id":${id},"_type":"NEXT","_start_id":${id},"_end_id":${id + 1},"properties":{}},`);
  }
  lines.push('],"statistics":{"node_count":700,"relationship_count":500}}');
  return Buffer.from(`${lines.join("\n")}\n`, "utf8");
}

/** Streams `content` in chunks of `size` bytes (strings are UTF-8 encoded first). */
export async function* chunksOf(content: Uint8Array | string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** A producer that yields the first `bytes` bytes of `content`, then fails — a source dying part-way. */
export async function* failingAfter(content: Uint8Array, bytes: number): AsyncGenerator<Uint8Array> {
  yield content.subarray(0, bytes);
  throw new Error("the producer failed part-way (injected by the storage contract suite)");
}

/** Reads a stored backup whole. */
export async function readStored(storage: BackupStorage, name: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of await storage.read(name)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}
