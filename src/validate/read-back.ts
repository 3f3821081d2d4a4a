/**
 * The check of a backup file this library has just written, before retention removes anything
 * older: the stored bytes are read back through the same layers every reader uses (decryption,
 * decompression, lines) and must be exactly the document that was written — its size as stored,
 * the metadata and statistics lines as written, every other line where the layout puts it, and the
 * record lines hashing to the content checksum the writer computed and numbering its counts.
 *
 * It parses no record: the records were built, checked and hashed by the writer as they were
 * written, so what can still go wrong lies between the writer and the storage (a layer that
 * encoded wrongly, bytes lost or changed on the way or at rest) — and any such change changes a
 * line, a count or a checksum. A full validation (validateBackup) reads a file it knows nothing
 * about; this check costs about one decompression and one hash of the file.
 */
import type { ReadKeys } from "../codec/age.js";
import { openBackupBytes } from "../codec/open.js";
import { BackupError } from "../errors.js";
import { NODES_OPEN, RELATIONSHIPS_OPEN, SECTION_CLOSE } from "../format/layout.js";
import { DEFAULT_MAX_LINE_BYTES, splitLines } from "../format/reader.js";
import { ContentChecksum } from "../format/records.js";
import type { BackupStorage } from "../storage/contract.js";

/** What the writer knows of the file it wrote. */
export interface WrittenFile {
  /** Its name in the storage. */
  name: string;
  /** Its size as stored. */
  bytes: number;
  /** `statistics.checksum` as the writer computed it. */
  checksum: string;
  /** The records written. */
  nodeCount: number;
  relationshipCount: number;
  /** The metadata line as written, without its padding and "\n". */
  firstLine: string;
  /** The statistics line as written, without "\n". */
  lastLine: string;
}

const COMMA = 0x2c;

type Section =
  | "metadata"
  | "nodes-open"
  | "nodes"
  | "relationships-open"
  | "relationships"
  | "statistics"
  | "end";

/**
 * Reads `written` back from `storage` and returns what differs from what was written (empty when
 * the stored file is that document). Opening or decoding failures are reported as problems too.
 */
export async function checkWrittenFile(
  storage: BackupStorage,
  written: WrittenFile,
  keys: ReadKeys,
  signal?: AbortSignal,
): Promise<string[]> {
  const { name } = written;
  const stored = await storage.stat(name);
  if (!stored) return [`${name} is not in the storage`];
  if (stored.size !== written.bytes)
    return [`${name} is ${stored.size} bytes in the storage, not the ${written.bytes} written`];
  try {
    return await checkDocument(await openBackupBytes(storage, name, keys), written, signal);
  } catch (error) {
    if (signal?.aborted) throw new BackupError("ABORTED", `checking ${name} was aborted`, { cause: error });
    return [`${name} cannot be read back: ${(error as Error).message}`];
  }
}

async function checkDocument(
  bytes: AsyncIterable<Uint8Array>,
  written: WrittenFile,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const at = (line: number, what: string) => [`${written.name}, line ${line}: ${what}`];
  const checksum = new ContentChecksum();
  const counts = { nodes: 0, relationships: 0 };
  let section: Section = "metadata";
  let lastHadComma = false;
  const buffers = (async function* () {
    for await (const part of bytes) yield Buffer.isBuffer(part) ? part : Buffer.from(part);
  })();
  for await (const [line, number, terminated] of splitLines(buffers, DEFAULT_MAX_LINE_BYTES, signal)) {
    if (!terminated) return at(number, "the file ends early (truncated)");
    switch (section) {
      case "metadata":
        if (line.toString("utf8").trimEnd() !== written.firstLine)
          return at(number, "the metadata line is not the one written");
        section = "nodes-open";
        break;
      case "nodes-open":
      case "relationships-open": {
        const expected = section === "nodes-open" ? NODES_OPEN : RELATIONSHIPS_OPEN;
        if (line.toString("utf8") !== expected) return at(number, `expected ${expected}`);
        section = section === "nodes-open" ? "nodes" : "relationships";
        lastHadComma = true;
        break;
      }
      case "nodes":
      case "relationships": {
        const isNodes: boolean = section === "nodes";
        if (line.length === SECTION_CLOSE.length && line.toString("utf8") === SECTION_CLOSE) {
          if (lastHadComma && (isNodes ? counts.nodes : counts.relationships) > 0)
            return at(number, "a comma after the last record");
          section = isNodes ? "relationships-open" : "statistics";
          break;
        }
        if (!lastHadComma) return at(number, "a record without a comma before it");
        lastHadComma = line[line.length - 1] === COMMA;
        const record = lastHadComma ? line.subarray(0, line.length - 1) : line;
        if (isNodes) {
          checksum.addNodeBytes(record);
          counts.nodes++;
        } else {
          checksum.addRelationshipBytes(record);
          counts.relationships++;
        }
        break;
      }
      case "statistics":
        if (line.toString("utf8") !== written.lastLine)
          return at(number, "the statistics line is not the one written");
        section = "end";
        break;
      case "end":
        return at(number, "content after the end of the document");
    }
  }
  if (section !== "end") return [`${written.name}: the file ends early (truncated)`];
  const problems: string[] = [];
  const differs = (what: string, found: unknown, expected: unknown) => {
    if (found !== expected)
      problems.push(`${written.name}: ${what} is ${String(found)}, not ${String(expected)}`);
  };
  differs("the number of node records", counts.nodes, written.nodeCount);
  differs("the number of relationship records", counts.relationships, written.relationshipCount);
  differs("the checksum of the records", checksum.digest(), written.checksum);
  return problems;
}
