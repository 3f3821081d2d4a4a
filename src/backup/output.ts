/**
 * Where createBackup's records go while the database is read. The metadata line at the top of a
 * backup carries counts known only at the end, so:
 *
 * - a storage that can be written in place (`openWriter`) receives a placeholder metadata line of
 *   reserved size, then the records, then the statistics; the real metadata line is written over
 *   the placeholder last, padded with spaces (JSON whitespace) to the reserved size;
 * - any other storage gets the records through a private temporary spool file, and the whole file
 *   (metadata, spooled records, statistics) is streamed into `write` at the end.
 *
 * Either way nothing is visible under a backup name before `publish`.
 */
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { readdir, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackupError } from "../errors.js";
import { NODES_OPEN, RELATIONSHIPS_OPEN, SECTION_CLOSE } from "../format/layout.js";
import type { BackupStorage, BackupWriter, StoredBackup } from "../storage/contract.js";
import { isOrphanTempFile, ownedTempName } from "../storage/temp-files.js";

const FLUSH_CHARS = 256 * 1024;

/** Lays record lines out as the data section of a backup and hands them on in large chunks. */
export class RecordBody {
  private buffer: string[] = [];
  private bufferedChars = 0;
  private section: "nodes" | "relationships" | "closed" = "nodes";
  private first = true;
  /** Bytes handed on so far (UTF-8). */
  bytes = 0;

  constructor(private readonly sink: (chunk: Buffer) => Promise<void>) {
    this.push(NODES_OPEN);
  }

  private push(text: string): void {
    this.buffer.push(text);
    this.bufferedChars += text.length;
  }

  /** Appends one canonical record line to the current section; resolves once there is room for more. */
  async append(line: string): Promise<void> {
    this.push(this.first ? "\n" : ",\n");
    this.first = false;
    this.push(line);
    if (this.bufferedChars >= FLUSH_CHARS) await this.flush();
  }

  /**
   * Appends record lines given as one text, each line followed by "\n" (record lines never hold a
   * raw newline); the same bytes as appending them one by one.
   */
  async appendLines(text: string): Promise<void> {
    if (text.length === 0) return;
    this.push(this.first ? "\n" : ",\n");
    this.first = false;
    this.push(text.slice(0, -1).replaceAll("\n", ",\n"));
    if (this.bufferedChars >= FLUSH_CHARS) await this.flush();
  }

  /** Ends the node section and opens the relationship section. */
  startRelationships(): void {
    this.push(`\n${SECTION_CLOSE}\n${RELATIONSHIPS_OPEN}`);
    this.section = "relationships";
    this.first = true;
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = Buffer.from(this.buffer.join(""), "utf8");
    this.buffer = [];
    this.bufferedChars = 0;
    this.bytes += chunk.length;
    await this.sink(chunk);
  }

  /** Ends the relationship section and hands on what is buffered. */
  async close(): Promise<void> {
    if (this.section === "closed") return;
    if (this.section === "nodes") this.startRelationships();
    this.push(`\n${SECTION_CLOSE}\n`);
    this.section = "closed";
    await this.flush();
  }
}

/** The records of a backup on their way into storage. */
export interface BackupOutput {
  /** Receives the record lines. */
  readonly body: RecordBody;
  /** Completes the file once the records are in: the metadata line and the statistics line. */
  finish(header: string, footer: string): Promise<void>;
  /** Publishes the finished file under `name`; `BACKUP_EXISTS` when taken (another name may follow). */
  publish(name: string, signal?: AbortSignal): Promise<StoredBackup>;
  /** Drops everything unpublished; safe to call more than once and after publish. */
  discard(): Promise<void>;
}

/**
 * Opens the output for a backup whose metadata line will be at most `headerBytes` long: in place
 * when the storage supports it, otherwise through a spool file in `spoolDirectory`.
 */
export async function openBackupOutput(
  storage: BackupStorage,
  headerBytes: number,
  spoolDirectory?: string,
): Promise<BackupOutput> {
  if (typeof storage.openWriter === "function") {
    const writer = await storage.openWriter();
    try {
      return await InPlaceOutput.open(writer, headerBytes);
    } catch (error) {
      await writer.discard();
      throw error;
    }
  }
  const directory = spoolDirectory ?? tmpdir();
  await removeOrphanSpools(directory);
  return new SpoolOutput(storage, directory);
}

/** Spool files start with this (then the process id, a host tag and a random part). */
export const SPOOL_PREFIX = "neo4j-backup-spool-";
/** A spool file of another host is removed once it is this old. */
const SPOOL_ORPHAN_AGE_MS = 24 * 60 * 60_000;

/** Removes the spool files of backups whose process was killed (gone from this host), and old ones. */
export async function removeOrphanSpools(directory: string): Promise<void> {
  const names = await readdir(directory).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(SPOOL_PREFIX) || !name.endsWith(".part")) continue;
    const path = join(directory, name);
    const info = await stat(path).catch(() => undefined);
    if (info && isOrphanTempFile(name, Date.now() - info.mtimeMs, SPOOL_ORPHAN_AGE_MS))
      await unlink(path).catch(() => {});
  }
}

/** Pads a metadata line (ending in ",\n") with spaces before its newline to exactly `size` bytes. */
export function padHeader(header: string, size: number): Buffer {
  const bytes = Buffer.from(header, "utf8");
  if (bytes.length > size) {
    throw new BackupError(
      "STORAGE",
      `the metadata line (${bytes.length} bytes) outgrew its reserved ${size} bytes`,
    );
  }
  if (bytes.length === size) return bytes;
  const padded = Buffer.alloc(size, 0x20);
  bytes.copy(padded, 0, 0, bytes.length - 1);
  padded[size - 1] = 0x0a;
  return padded;
}

class InPlaceOutput implements BackupOutput {
  readonly body: RecordBody;

  private constructor(
    private readonly writer: BackupWriter,
    private readonly headerBytes: number,
  ) {
    this.body = new RecordBody((chunk) => writer.append(chunk));
  }

  static async open(writer: BackupWriter, headerBytes: number): Promise<InPlaceOutput> {
    // room for the metadata line: spaces ending in a newline until it is written
    await writer.append(padHeader("\n", headerBytes));
    return new InPlaceOutput(writer, headerBytes);
  }

  async finish(header: string, footer: string): Promise<void> {
    await this.body.close();
    await this.writer.append(Buffer.from(footer, "utf8"));
    await this.writer.overwrite(0, padHeader(header, this.headerBytes));
  }

  async publish(name: string, signal?: AbortSignal): Promise<StoredBackup> {
    if (signal?.aborted) throw new BackupError("ABORTED", `writing ${name} was aborted`);
    return this.writer.publish(name);
  }

  discard(): Promise<void> {
    return this.writer.discard();
  }
}

/** Records spooled to a private temporary file, streamed into the storage at publication. */
class SpoolOutput implements BackupOutput {
  readonly body: RecordBody;
  private readonly path: string;
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  private header = "";
  private footer = "";

  constructor(
    private readonly storage: BackupStorage,
    directory: string,
  ) {
    this.path = join(directory, ownedTempName(SPOOL_PREFIX, ".part"));
    this.stream = createWriteStream(this.path, { flags: "wx", mode: 0o600 });
    this.stream.on("error", (error) => {
      this.failure ??= this.spoolError(error);
    });
    this.body = new RecordBody((chunk) => this.write(chunk));
  }

  private spoolError(error: Error): BackupError {
    return new BackupError(
      "STORAGE",
      `writing the temporary record spool ${this.path} failed (${error.message}); free space there or pass spoolDirectory`,
      { cause: error },
    );
  }

  private async write(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.stream.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        this.stream.off("error", onError);
        resolve();
      };
      const onError = (error: Error) => {
        this.stream.off("drain", onDrain);
        reject(this.failure ?? this.spoolError(error));
      };
      this.stream.once("drain", onDrain);
      this.stream.once("error", onError);
    });
  }

  async finish(header: string, footer: string): Promise<void> {
    await this.body.close();
    await new Promise<void>((resolve, reject) => {
      this.stream.end((error?: Error | null) =>
        error ? reject(this.failure ?? this.spoolError(error)) : resolve(),
      );
    });
    if (this.failure) throw this.failure;
    this.header = header;
    this.footer = footer;
  }

  publish(name: string, signal?: AbortSignal): Promise<StoredBackup> {
    const { header, footer, path } = this;
    const content = async function* () {
      yield header;
      yield* createReadStream(path, { highWaterMark: 1 << 20 });
      yield footer;
    };
    return this.storage.write(name, content(), { signal });
  }

  async discard(): Promise<void> {
    if (!this.stream.closed) this.stream.destroy();
    await unlink(this.path).catch(() => {});
  }
}
