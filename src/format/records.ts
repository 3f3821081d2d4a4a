/**
 * Node and relationship records of format version 2, their canonical one-line JSON form, the
 * content checksum computed over those lines, and the metadata checksum.
 *
 * "Canonical" means: every object's keys in the order `JSON.stringify` emits for keys inserted in
 * sorted order (by UTF-16 code units) — which puts integer-like keys ("0", "9", "10", up to
 * 4294967294, no leading zeros) first, in ascending numeric order, and then the other keys in
 * sorted order. docs/format.md states this for re-implementers.
 */
import { createHash, type Hash } from "node:crypto";
import type { EncodedValue } from "./values.js";

/** A record id: a non-negative integer (what this library writes) or a non-empty string. */
export type RecordId = number | string;

/** A node as stored in a backup file. */
export interface NodeRecord {
  /** Identifier unique among the file's nodes; relationships refer to it. */
  _id: RecordId;
  /** The node's labels, in any order. */
  _labels: string[];
  /** Property keys mapped to encoded values (see docs/format.md). */
  properties: Record<string, EncodedValue>;
}

/** A relationship as stored in a backup file. */
export interface RelationshipRecord {
  /** Identifier unique among the file's relationships. */
  _id: RecordId;
  /** The relationship type. */
  _type: string;
  /** `_id` of the start node. */
  _start_id: RecordId;
  /** `_id` of the end node. */
  _end_id: RecordId;
  /** Property keys mapped to encoded values. */
  properties: Record<string, EncodedValue>;
}

function sortedObject(value: Record<string, unknown>, deep: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    out[key] = deep ? canonicalValue(v) : v;
  }
  return out;
}

/** A copy of a JSON value with every object's keys inserted in sorted order (the canonical form). */
export function canonicalValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (value !== null && typeof value === "object")
    return sortedObject(value as Record<string, unknown>, true);
  return value;
}

/**
 * Whether a parsed JSON value is already in canonical form: every object's keys in ascending order
 * (then a fresh copy with sorted insertion would serialise the same way).
 */
function isCanonical(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!isCanonical(item)) return false;
    return true;
  }
  let previous: string | undefined;
  for (const key in value as Record<string, unknown>) {
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    if (!isCanonical((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** The canonical JSON text of a value: {@link canonicalValue}, serialised; no copy when already canonical. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(isCanonical(value) ? value : canonicalValue(value));
}

const sortedProperties = (properties: Record<string, EncodedValue>) =>
  isCanonical(properties) ? properties : sortedObject(properties, true);

/**
 * The canonical line of a node: keys `_id`, `_labels`, `properties` in that order, property keys
 * inserted in sorted order, wrapper bodies sorted. Validation rebuilds every line in this form, so a
 * re-indented copy of a file verifies against the same checksum; createBackup writes the same line
 * directly (`JSON.stringify` of the record, its properties from `encodeProperties`).
 */
export function canonicalNodeLine(record: NodeRecord): string {
  return JSON.stringify({
    _id: record._id,
    _labels: record._labels,
    properties: sortedProperties(record.properties),
  });
}

/** The canonical line of a relationship: `_id`, `_type`, `_start_id`, `_end_id`, `properties`. */
export function canonicalRelationshipLine(record: RelationshipRecord): string {
  return JSON.stringify({
    _id: record._id,
    _type: record._type,
    _start_id: record._start_id,
    _end_id: record._end_id,
    properties: sortedProperties(record.properties),
  });
}

/**
 * Computes the content checksum: SHA-256 over the canonical node lines (each followed by "\n"),
 * SHA-256 over the canonical relationship lines, and SHA-256 of the two hex digests joined by ":".
 * Written as `sha256:<hex>` in `statistics.checksum`.
 */
export class ContentChecksum {
  private readonly nodes = new BatchedHash();
  private readonly relationships = new BatchedHash();

  /** Adds one canonical node line (without the trailing newline). */
  addNode(line: string): void {
    this.nodes.addLine(line);
  }

  /** Adds one canonical relationship line (without the trailing newline). */
  addRelationship(line: string): void {
    this.relationships.addLine(line);
  }

  /**
   * Adds canonical node lines given as one text, each line followed by "\n" (record lines never
   * hold a raw newline, so every "\n" ends a line); the same checksum as adding them one by one.
   */
  addNodeLines(text: string): void {
    this.nodes.addText(text);
  }

  /** Adds relationship lines given as one text (see {@link ContentChecksum.addNodeLines}). */
  addRelationshipLines(text: string): void {
    this.relationships.addText(text);
  }

  /** Adds one node line as UTF-8 bytes, read back from a file (canonical already, without "\n"). */
  addNodeBytes(line: Buffer): void {
    this.nodes.addBytes(line);
  }

  /** Adds one relationship line as UTF-8 bytes (see {@link ContentChecksum.addNodeBytes}). */
  addRelationshipBytes(line: Buffer): void {
    this.relationships.addBytes(line);
  }

  /** The final `sha256:<hex>` value; call once. */
  digest(): string {
    const combined = `${this.nodes.digest()}:${this.relationships.digest()}`;
    return `sha256:${createHash("sha256").update(combined).digest("hex")}`;
  }
}

/**
 * The metadata checksum, `sha256:<hex>` of the metadata object's canonical JSON (UTF-8). Written as
 * `statistics.metadata_checksum`, so that the first line — schema, counts, reason — is covered too.
 * The value is the parsed object, so a re-indented copy yields the same checksum; the padding after
 * the first line's comma is outside it.
 */
export function metadataChecksum(metadata: unknown): string {
  return `sha256:${createHash("sha256").update(canonicalJson(metadata)).digest("hex")}`;
}

/** Characters collected before they are hashed in one call (per-line calls cost more than the hashing). */
const HASH_BATCH_CHARS = 1 << 16;

const NEWLINE_BYTES = Buffer.from("\n");

/** SHA-256 over lines, each followed by "\n", fed to the hash in batches (of text or of bytes). */
class BatchedHash {
  private readonly hash: Hash = createHash("sha256");
  private lines: string[] = [];
  private chars = 0;
  private bytes: Buffer[] = [];
  private byteCount = 0;

  addBytes(line: Buffer): void {
    if (this.lines.length > 0) this.flush();
    this.bytes.push(line, NEWLINE_BYTES);
    this.byteCount += line.length + 1;
    if (this.byteCount >= HASH_BATCH_CHARS) this.flushBytes();
  }

  private flushBytes(): void {
    if (this.bytes.length === 0) return;
    this.hash.update(Buffer.concat(this.bytes, this.byteCount));
    this.bytes = [];
    this.byteCount = 0;
  }

  /** Lines already joined, each followed by "\n". */
  addText(text: string): void {
    this.flushBytes();
    this.flush();
    this.hash.update(text);
  }

  addLine(line: string): void {
    this.flushBytes();
    if (line.length >= HASH_BATCH_CHARS) {
      // a long line is hashed as it is: joining it to others would copy it once more
      this.flush();
      this.hash.update(line);
      this.hash.update("\n");
      return;
    }
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= HASH_BATCH_CHARS) this.flush();
  }

  private flush(): void {
    if (this.lines.length === 0) return;
    this.lines.push("");
    this.hash.update(this.lines.join("\n"));
    this.lines = [];
    this.chars = 0;
  }

  digest(): string {
    this.flush();
    this.flushBytes();
    return this.hash.digest("hex");
  }
}
