/**
 * The record spool: node and relationship lines are streamed to a private temporary file while the
 * database is read, because the metadata line at the top of the backup carries counts that are only
 * known at the end. Publishing then streams header + spool + statistics into the storage.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackupError } from "../errors.js";
import { NODES_OPEN, RELATIONSHIPS_OPEN, SECTION_CLOSE } from "../format/layout.js";

const FLUSH_BYTES = 256 * 1024;

/** A temporary file holding the `"data":{"nodes":[ … ],"relationships":[ … ],` part of a backup. */
export class RecordSpool {
  /** Path of the temporary file. */
  readonly path: string;
  private readonly stream: WriteStream;
  private buffer: string[] = [];
  private bufferedChars = 0;
  private section: "nodes" | "relationships" | "closed" = "nodes";
  private first = true;
  private failure: Error | undefined;
  /** Bytes handed to the file so far (UTF-8). */
  bytes = 0;

  constructor(directory: string = tmpdir()) {
    this.path = join(directory, `neo4j-backup-spool-${process.pid}-${randomBytes(6).toString("hex")}.part`);
    this.stream = createWriteStream(this.path, { flags: "wx", mode: 0o600 });
    this.stream.on("error", (error) => {
      this.failure ??= this.storageError(error);
    });
    this.push(NODES_OPEN);
  }

  private storageError(error: Error): BackupError {
    return new BackupError(
      "STORAGE",
      `writing the temporary record spool ${this.path} failed (${error.message}); free space there or pass spoolDirectory`,
      { cause: error },
    );
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
    if (this.bufferedChars >= FLUSH_BYTES) await this.flush();
  }

  /** Ends the node section and opens the relationship section. */
  async startRelationships(): Promise<void> {
    this.push(`\n${SECTION_CLOSE}\n${RELATIONSHIPS_OPEN}`);
    this.section = "relationships";
    this.first = true;
  }

  /** Writes buffered text, waiting for the file when it asks to (backpressure). */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.buffer.length === 0) return;
    const chunk = Buffer.from(this.buffer.join(""), "utf8");
    this.buffer = [];
    this.bufferedChars = 0;
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          this.stream.off("error", onError);
          resolve();
        };
        const onError = (error: Error) => {
          this.stream.off("drain", onDrain);
          reject(this.failure ?? this.storageError(error));
        };
        this.stream.once("drain", onDrain);
        this.stream.once("error", onError);
      });
    }
  }

  /** Ends the relationship section and closes the file. */
  async close(): Promise<void> {
    if (this.section === "closed") return;
    if (this.section === "nodes") await this.startRelationships();
    this.push(`\n${SECTION_CLOSE}\n`);
    this.section = "closed";
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.end((error?: Error | null) =>
        error ? reject(this.failure ?? this.storageError(error)) : resolve(),
      );
    });
    if (this.failure) throw this.failure;
  }

  /** Streams the spooled bytes. */
  read(): AsyncIterable<Uint8Array> {
    return createReadStream(this.path, { highWaterMark: 1 << 20 });
  }

  /** Deletes the temporary file (safe to call more than once). */
  async discard(): Promise<void> {
    if (!this.stream.closed) this.stream.destroy();
    await unlink(this.path).catch(() => {});
  }
}
