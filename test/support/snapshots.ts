/**
 * Snapshots written without Neo4j: a document built in memory (documents.ts) goes through the
 * snapshot output createBackup uses — the same chunking, chunk encoding, ids and manifest — with
 * small chunks so that a few hundred records make many of them.
 */
import { SnapshotOutput } from "../../src/backup/snapshot-output.js";
import type { EncryptionOptions } from "../../src/codec/age.js";
import type { ChunkingSettings } from "../../src/format/chunking.js";
import type { Compression } from "../../src/format/naming.js";
import {
  canonicalNodeLine,
  canonicalRelationshipLine,
  type NodeRecord,
  type RelationshipRecord,
} from "../../src/format/records.js";
import type { SnapshotManifest } from "../../src/format/snapshot-manifest.js";
import type { ChunkStorage } from "../../src/storage/contract.js";
import { buildDocument } from "./documents.js";

/** Chunks of about 1 KiB. */
export const SMALL_CHUNKS: ChunkingSettings = { minBytes: 512, targetBytes: 1024, maxBytes: 4096 };

/** `count` nodes with a little text each, ids from 0; `edit` changes the name of some. */
export function manyNodes(
  count: number,
  edit: (id: number) => string | undefined = () => undefined,
): NodeRecord[] {
  return Array.from({ length: count }, (_, id) => ({
    _id: id,
    _labels: ["Item"],
    properties: { name: edit(id) ?? `item ${id}: ${"lorem ipsum ".repeat(1 + (id % 5))}`, n: id },
  }));
}

/** Writes a snapshot of `nodes` (and no relationships) as `name`; returns its manifest. */
export async function writeSnapshot(
  storage: ChunkStorage,
  name: string,
  nodes: NodeRecord[],
  options: {
    compression?: Compression;
    encryption?: EncryptionOptions;
    relationships?: RelationshipRecord[];
  } = {},
): Promise<SnapshotManifest> {
  const relationships = options.relationships ?? [];
  const document = buildDocument(nodes, relationships);
  const lines = document.split("\n");
  const header = `${lines[0]}\n`;
  const footer = `${lines[lines.length - 2]}\n`;
  const encoding = {
    compression: options.compression ?? "zstd",
    level: 3,
    ...(options.encryption ? { encryption: options.encryption } : {}),
  };
  const output = await SnapshotOutput.open(storage, encoding, Buffer.byteLength(header) + 64, SMALL_CHUNKS);
  for (const node of nodes) await output.body.append(canonicalNodeLine(node));
  output.body.startRelationships();
  for (const rel of relationships) await output.body.append(canonicalRelationshipLine(rel));
  await output.finish(header, footer);
  await output.publish(name);
  return output.written!.manifest;
}
