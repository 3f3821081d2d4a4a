/**
 * The codec layers against the standard tools: files written through compression and encryption
 * decode with `gunzip`, `zstd -d` and `age -d` (Debian packages) to the very bytes of the plain
 * document, and files those tools make (`gzip`, `zstd`, `age -r`, `age -p`, keys from `age-keygen`)
 * are read and validated by the library. Damage and wrong keys fail before anything is used.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpoolWriter } from "../../src/backup/spool-writer.js";
import type { DecryptionOptions } from "../../src/codec/age.js";
import { EncodedWriter, type EncodingOptions, resolveEncoding } from "../../src/codec/encoded-writer.js";
import { openBackupBytes } from "../../src/codec/open.js";
import { ZstdFrameSplitter } from "../../src/codec/zstd-frames.js";
import { backupExtension, type Compression } from "../../src/format/naming.js";
import { copyBackup } from "../../src/operations/copy-backup.js";
import type { BackupStorage, StorageWriteOptions } from "../../src/storage/contract.js";
import { FileSystemStorage } from "../../src/storage/filesystem.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { validateBackup } from "../../src/validate/validate-backup.js";
import { buildDocument, sampleNodes } from "../support/documents.js";
import { haveTools } from "../support/tools.js";

const tools = haveTools("age", "age-keygen", "zstd", "gzip", "script");
const PASSPHRASE = "correct horse battery staple";

/** A plain document large enough for several chunks, frames and blocks. */
function bigDocument(): string {
  const nodes = Array.from({ length: 3000 }, (_, i) => ({
    _id: i,
    _labels: ["Function"],
    properties: { name: `system.tag.read_${i}`, text: "lorem ipsum ".repeat(i % 40), n: i },
  }));
  return buildDocument([...sampleNodes.slice(0, 1), ...nodes.map((n) => ({ ...n, _id: n._id + 10 }))], []);
}

/** Writes `doc` as createBackup does: the first line last, over a placeholder of its size. */
async function writeEncoded(
  storage: BackupStorage,
  name: string,
  doc: string,
  encoding: EncodingOptions,
): Promise<void> {
  const newline = doc.indexOf("\n") + 1;
  const header = Buffer.from(doc.slice(0, newline));
  const rest = Buffer.from(doc.slice(newline));
  const footerStart = rest.lastIndexOf("\n", rest.length - 2) + 1;
  const writer = storage.openWriter ? await storage.openWriter() : await SpoolWriter.create(storage);
  const encoded = await EncodedWriter.open(
    writer,
    resolveEncoding(encoding),
    Buffer.alloc(header.length, 0x20),
  );
  for (let i = 0; i < footerStart; i += 50_000)
    await encoded.append(rest.subarray(i, Math.min(i + 50_000, footerStart)));
  await encoded.finish(header, rest.subarray(footerStart));
  await writer.publish(name);
}

async function decoded(storage: BackupStorage, name: string, identities: string[] = []): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of await openBackupBytes(storage, name, { identities })) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

describe.skipIf(!tools)("codec layers and the standard tools", () => {
  let dir: string;
  let keyFile: string;
  let identity: string;
  let recipient: string;
  let storage: FileSystemStorage;
  const doc = bigDocument();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "neo4j-backup-codec-"));
    keyFile = join(dir, "key.txt");
    execFileSync("age-keygen", ["-o", keyFile], { stdio: "ignore" });
    identity = readFileSync(keyFile, "utf8");
    recipient = execFileSync("age-keygen", ["-y", keyFile]).toString().trim();
    storage = new FileSystemStorage({ directory: join(dir, "backups") });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const combos: [Compression, boolean][] = [
    ["gzip", false],
    ["zstd", false],
    ["none", true],
    ["gzip", true],
    ["zstd", true],
  ];
  for (const [compression, encrypted] of combos) {
    const extension = backupExtension({ compression, encrypted });
    it(`${extension}: age -d, gunzip and zstd -d give back the plain document, byte for byte`, async () => {
      const name = `b_20250128_143022${extension}`;
      await writeEncoded(storage, name, doc, {
        compression,
        ...(encrypted ? { encryption: { recipients: [recipient] } } : {}),
      });
      let pipe = `cat '${join(storage.directory, name)}'`;
      if (encrypted) pipe += ` | age -d -i '${keyFile}'`;
      if (compression === "gzip") pipe += " | gunzip";
      if (compression === "zstd") pipe += " | zstd -dq";
      const byTools = execFileSync("sh", ["-c", pipe], { maxBuffer: 64 << 20 });
      expect(sha(byTools)).toBe(sha(doc));
      expect(sha(await decoded(storage, name, [identity]))).toBe(sha(doc));
      const report = await validateBackup({ storage, name, decryption: { identities: [identity] } });
      expect(report.valid).toBe(true);
      // a storage without openWriter gets the same bytes through a spool file
      const memory = new MemoryStorage();
      await writeEncoded(memory, name, doc, {
        compression,
        ...(encrypted ? { encryption: { recipients: [recipient] } } : {}),
      });
      expect(sha(await decoded(memory, name, [identity]))).toBe(sha(doc));
    });
  }

  it("reads files made by gzip, zstd (several frames) and age -r, with a key from age-keygen", async () => {
    const plain = join(dir, "tool.json");
    writeFileSync(plain, doc);
    const folder = storage.directory;
    execFileSync("sh", ["-c", `gzip -c '${plain}' > '${folder}/t1_20250101_000000.json.gz'`]);
    // two frames, as pzstd or cat of two files make them
    const half = doc.length >> 1;
    writeFileSync(join(dir, "a"), doc.slice(0, half));
    writeFileSync(join(dir, "b"), doc.slice(half));
    execFileSync("sh", [
      "-c",
      `zstd -qc '${dir}/a' > '${folder}/t2_20250101_000000.json.zst' && zstd -qc '${dir}/b' >> '${folder}/t2_20250101_000000.json.zst'`,
    ]);
    execFileSync("sh", [
      "-c",
      `zstd -qc '${plain}' | age -r ${recipient} > '${folder}/t3_20250101_000000.json.zst.age'`,
    ]);
    for (const name of [
      "t1_20250101_000000.json.gz",
      "t2_20250101_000000.json.zst",
      "t3_20250101_000000.json.zst.age",
    ]) {
      expect(sha(await decoded(storage, name, [identity])), name).toBe(sha(doc));
      expect((await validateBackup({ storage, name, decryption: { identities: [identity] } })).valid).toBe(
        true,
      );
    }
  });

  it("reads ASCII-armored files (age -a, -r and -p) as it reads binary ones; damage to the armor is CORRUPT, named", async () => {
    const plain = join(dir, "armored.json");
    writeFileSync(plain, doc);
    const folder = storage.directory;
    const keyed = "a_20250101_000000.json.zst.age";
    execFileSync("sh", ["-c", `zstd -qc '${plain}' | age -a -r ${recipient} > '${folder}/${keyed}'`]);
    const withPassphrase = "a_20250102_000000.json.age";
    execFileSync(
      "script",
      ["-qec", `age -a -p -o '${join(folder, withPassphrase)}' '${plain}'`, "/dev/null"],
      {
        input: `${PASSPHRASE}\n${PASSPHRASE}\n`,
        stdio: ["pipe", "ignore", "ignore"],
      },
    );
    const armored = readFileSync(join(folder, keyed), "latin1");
    expect(armored.startsWith("-----BEGIN AGE ENCRYPTED FILE-----\n")).toBe(true);
    expect(readFileSync(join(folder, withPassphrase), "latin1")).toMatch(
      /^-----BEGIN AGE ENCRYPTED FILE-----\n/,
    );
    expect(sha(await decoded(storage, keyed, [identity]))).toBe(sha(doc));
    const opened: Buffer[] = [];
    for await (const c of await openBackupBytes(storage, withPassphrase, { passphrase: PASSPHRASE }))
      opened.push(Buffer.from(c));
    expect(sha(Buffer.concat(opened))).toBe(sha(doc));
    const keys: [string, DecryptionOptions][] = [
      [keyed, { identities: [identity] }],
      [withPassphrase, { passphrase: PASSPHRASE }],
    ];
    for (const [name, decryption] of keys) {
      const report = await validateBackup({ storage, name, decryption });
      expect(report.problems, name).toEqual([]);
      expect(report.nodeCount, name).toBeGreaterThan(0);
    }
    // CRLF line ends and whitespace around it are allowed, as age itself allows them
    const crlf = "a_20250103_000000.json.zst.age";
    writeFileSync(join(folder, crlf), `\n  ${armored.replaceAll("\n", "\r\n")}\n`);
    expect(sha(await decoded(storage, crlf, [identity]))).toBe(sha(doc));
    // damage: a character changed in a line, a line cut, the END line missing
    const lines = armored.split("\n");
    const middle = lines.length >> 1;
    const damaged: [string, string, RegExp][] = [
      [
        "b",
        lines.map((l, i) => (i === middle ? `${l.slice(0, 10)}*${l.slice(11)}` : l)).join("\n"),
        new RegExp(`ASCII armor is damaged: line ${middle + 1} is not a line of base64`),
      ],
      [
        "c",
        lines.map((l, i) => (i === middle ? l.slice(0, 40) : l)).join("\n"),
        new RegExp(`ASCII armor is damaged: line ${middle + 1} is shorter than 64 columns but not the last`),
      ],
      [
        "d",
        lines.slice(0, middle).join("\n"),
        /ASCII armor is damaged: the file ends without -----END AGE ENCRYPTED FILE----- \(cut short\)/,
      ],
    ];
    for (const [tag, text, message] of damaged) {
      const name = `armor${tag}_20250101_000000.json.zst.age`;
      writeFileSync(join(folder, name), text);
      const report = await validateBackup({ storage, name, decryption: { identities: [identity] } });
      expect(report.valid, tag).toBe(false);
      expect(report.problems[0], tag).toMatchObject({
        code: "CORRUPT",
        message: expect.stringMatching(message),
      });
    }
    // an armored file whose name does not end in .age is named as one
    writeFileSync(join(folder, "armore_20250101_000000.json"), armored);
    const misnamed = await validateBackup({ storage, name: "armore_20250101_000000.json" });
    expect(misnamed.problems[0]!.message).toMatch(
      /it is age-encrypted but its name does not say so; name it …\.age/,
    );
  });

  it("reads a file made by age -p with its passphrase, and writes one age -d opens with it", async () => {
    const plain = join(dir, "pass.json");
    writeFileSync(plain, doc);
    const target = join(storage.directory, "p_20250101_000000.json.age");
    // age reads a passphrase from a terminal only: script(1) gives it one
    execFileSync("script", ["-qec", `age -p -o '${target}' '${plain}'`, "/dev/null"], {
      input: `${PASSPHRASE}\n${PASSPHRASE}\n`,
      stdio: ["pipe", "ignore", "ignore"],
    });
    const name = "p_20250101_000000.json.age";
    const opened: Buffer[] = [];
    for await (const c of await openBackupBytes(storage, name, { passphrase: PASSPHRASE }))
      opened.push(Buffer.from(c));
    expect(sha(Buffer.concat(opened))).toBe(sha(doc));

    const ours = "p_20250102_000000.json.zst.age";
    await writeEncoded(storage, ours, doc, { compression: "zstd", encryption: { passphrase: PASSPHRASE } });
    const out = execFileSync(
      "script",
      ["-qec", `age -d '${join(storage.directory, ours)}' | zstd -dq | sha256sum`, "/dev/null"],
      { input: `${PASSPHRASE}\n` },
    ).toString();
    expect(out).toContain(sha(doc));
  }, 60_000);

  it("refuses a missing key, a key of someone else, and a wrong passphrase, naming the file only", async () => {
    const name = "k_20250101_000000.json.zst.age";
    await writeEncoded(storage, name, doc, { compression: "zstd", encryption: { recipients: [recipient] } });
    await expect(openBackupBytes(storage, name)).rejects.toMatchObject({ code: "KEY_REQUIRED" });
    const other = execFileSync("age-keygen").toString();
    const error = await openBackupBytes(storage, name, { identities: [other] }).catch((e) => e);
    expect(error).toMatchObject({ code: "DECRYPTION_FAILED" });
    expect(error.message).toContain(name);
    expect(error.message).toMatch(/no identity given matches/);
    for (const secret of other.split("\n").filter((l) => l.startsWith("AGE-SECRET"))) {
      expect(error.message).not.toContain(secret);
    }
    await expect(validateBackup({ storage, name })).rejects.toMatchObject({ code: "KEY_REQUIRED" });
    const pname = "k_20250102_000000.json.age";
    await writeEncoded(storage, pname, doc, { encryption: { passphrase: PASSPHRASE } });
    const wrong = await openBackupBytes(storage, pname, { passphrase: "not it" }).catch((e) => e);
    expect(wrong).toMatchObject({ code: "DECRYPTION_FAILED" });
    expect(wrong.message).toMatch(/passphrase/);
    expect(wrong.message).not.toContain("not it");
  }, 60_000);

  it("a flipped bit or a cut in ciphertext or compressed data makes the file invalid", async () => {
    const cases: [string, EncodingOptions][] = [
      ["d_20250101_000000.json.zst.age", { compression: "zstd", encryption: { recipients: [recipient] } }],
      ["d_20250101_000000.json.gz", { compression: "gzip" }],
      ["d_20250101_000000.json.zst", { compression: "zstd" }],
      ["d_20250101_000000.json.age", { encryption: { recipients: [recipient] } }],
    ];
    for (const [name, encoding] of cases) {
      await writeEncoded(storage, name, doc, encoding);
      const path = join(storage.directory, name);
      const good = readFileSync(path);
      for (const damage of ["flip-middle", "flip-end", "cut"] as const) {
        const bad = Buffer.from(good);
        if (damage === "flip-middle") bad[bad.length >> 1]! ^= 0x10;
        if (damage === "flip-end") bad[bad.length - 5]! ^= 0x01;
        const mangled = damage === "cut" ? bad.subarray(0, bad.length - 100) : bad;
        rmSync(path);
        writeFileSync(path, mangled);
        const report = await validateBackup({ storage, name, decryption: { identities: [identity] } });
        expect(report.valid, `${name} ${damage}`).toBe(false);
        // age authenticates every chunk before releasing it: no damaged byte is ever parsed;
        // deflate finds a flip at the member's CRC, after the changed text was read (and refused)
        if (name.endsWith(".age")) expect(report.problems[0]?.code, `${name} ${damage}`).toBe("CORRUPT");
      }
      rmSync(path);
    }
  }, 60_000);

  it("a file whose bytes are not what its name says is refused with the name to give it", async () => {
    const name = "n_20250101_000000.json";
    await writeEncoded(storage, name.replace(".json", ".json.gz"), doc, { compression: "gzip" });
    const gz = readFileSync(join(storage.directory, "n_20250101_000000.json.gz"));
    writeFileSync(join(storage.directory, name), gz);
    const report = await validateBackup({ storage, name });
    expect(report.problems[0]).toMatchObject({ code: "CORRUPT" });
    expect(report.problems[0]!.message).toMatch(/gzip-compressed but its name does not say so/);
    writeFileSync(join(storage.directory, "n_20250102_000000.json.zst"), gz);
    const zst = await validateBackup({ storage, name: "n_20250102_000000.json.zst" });
    expect(zst.problems[0]!.message).toMatch(/not a zstd stream/);
  });
});

describe("zstd frames", () => {
  it("are found from their headers across any split of the input", () => {
    const zlib = require("node:zlib") as typeof import("node:zlib") & {
      zstdCompressSync?: (b: Buffer) => Buffer;
    };
    if (!zlib.zstdCompressSync) return;
    const frames = [
      zlib.zstdCompressSync(Buffer.from("a".repeat(300_000))),
      zlib.zstdCompressSync(Buffer.from("b")),
    ];
    const all = Buffer.concat(frames);
    for (const step of [1, 7, 4096, all.length]) {
      const splitter = new ZstdFrameSplitter();
      const ends: number[] = [];
      let size = 0;
      for (let i = 0; i < all.length; i += step) {
        for (const piece of splitter.push(all.subarray(i, i + step))) {
          size += piece.bytes.length;
          if (piece.end) ends.push(size);
        }
      }
      splitter.finish();
      expect(ends).toEqual([frames[0]!.length, all.length]);
    }
  });
});

describe("copyBackup of an encrypted backup", () => {
  const name = "enc_20250101_000000.json.gz.age";

  async function source(): Promise<MemoryStorage> {
    const from = new MemoryStorage();
    await writeEncoded(from, name, bigDocument(), {
      compression: "gzip",
      encryption: { passphrase: PASSPHRASE },
    });
    return from;
  }

  /** A storage that changes one byte of every backup it is given, as a damaged transfer would. */
  class FlippingStorage extends MemoryStorage {
    override async write(
      n: string,
      content: AsyncIterable<Uint8Array | string>,
      options?: StorageWriteOptions,
    ) {
      const parts: Buffer[] = [];
      for await (const c of content) parts.push(Buffer.from(c));
      const bytes = Buffer.concat(parts);
      bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
      return super.write(
        n,
        (async function* () {
          yield bytes;
        })(),
        options,
      );
    }
  }

  it("without a key: the same bytes arrive, and the copy is indexed as not validated", async () => {
    const from = await source();
    const to = new MemoryStorage();
    const result = await copyBackup({ from, to, name });
    expect(result.entry.valid).toBeNull();
    expect(sha(await readAll(to, name))).toBe(sha(await readAll(from, name)));
  }, 60_000);

  it("with the passphrase: the copy is validated in full", async () => {
    const to = new MemoryStorage();
    const result = await copyBackup({
      from: await source(),
      to,
      name,
      decryption: { passphrase: PASSPHRASE },
    });
    expect(result.entry.valid).toBe(true);
  }, 60_000);

  it("without a key, a copy whose bytes differ is removed and refused", async () => {
    const to = new FlippingStorage();
    await expect(copyBackup({ from: await source(), to, name })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
      message: expect.stringContaining("its bytes differ from the original's"),
    });
    expect(await to.list()).toEqual([]);
  }, 60_000);
});

async function readAll(storage: BackupStorage, n: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of await storage.read(n)) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}
