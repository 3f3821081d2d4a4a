/**
 * The output of a compressed or encrypted backup: records through the codec layers into the
 * storage's in-place writer (FileSystemStorage), or into a spool file holding the final bytes for
 * any other storage. Either way the metadata line is written last, over a placeholder of its size.
 */
import { EncodedWriter, type ResolvedEncoding } from "../codec/encoded-writer.js";
import { BackupError } from "../errors.js";
import type { BackupStorage, BackupWriter, StoredBackup } from "../storage/contract.js";
import { type BackupOutput, padHeader, RecordBody } from "./output.js";
import { SpoolWriter } from "./spool-writer.js";

/** A backup on its way through compression and encryption. */
export class EncodedOutput implements BackupOutput {
  readonly body: RecordBody;

  private constructor(
    private readonly writer: BackupWriter,
    private readonly encoded: EncodedWriter,
    private readonly headerBytes: number,
  ) {
    this.body = new RecordBody((chunk) => encoded.append(chunk));
  }

  /** Opens the output; `headerBytes` is the reserved size of the metadata line. */
  static async open(
    storage: BackupStorage,
    encoding: ResolvedEncoding,
    headerBytes: number,
    spoolDirectory?: string,
  ): Promise<EncodedOutput> {
    const writer =
      typeof storage.openWriter === "function"
        ? await storage.openWriter()
        : await SpoolWriter.create(storage, spoolDirectory);
    try {
      const encoded = await EncodedWriter.open(writer, encoding, padHeader("\n", headerBytes));
      return new EncodedOutput(writer, encoded, headerBytes);
    } catch (error) {
      await writer.discard();
      throw error;
    }
  }

  /** The file key of an encrypted backup, so that this process can read back what it wrote. */
  get fileKey(): Uint8Array | undefined {
    return this.encoded.fileKey;
  }

  async finish(header: string, footer: string): Promise<void> {
    await this.body.close();
    await this.encoded.finish(padHeader(header, this.headerBytes), Buffer.from(footer, "utf8"));
  }

  async publish(name: string, signal?: AbortSignal): Promise<StoredBackup> {
    if (signal?.aborted) throw new BackupError("ABORTED", `writing ${name} was aborted`);
    return this.writer.publish(name);
  }

  async discard(): Promise<void> {
    this.encoded.destroy();
    await this.writer.discard();
  }
}
