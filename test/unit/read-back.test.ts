import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../../src/storage/memory.js";
import { checkWrittenFile, type WrittenFile } from "../../src/validate/read-back.js";
import { buildDocument } from "../support/documents.js";

const NAME = "neo4j_backup_20250128_143022.json";

/** A document as the writer knows it: its first and last lines, checksum and counts. */
function written(document: string, name = NAME, bytes = Buffer.byteLength(document)): WrittenFile {
  const lines = document.split("\n");
  const statistics = JSON.parse(lines.at(-2)!.slice('"statistics":'.length, -2));
  return {
    name,
    bytes,
    checksum: statistics.checksum,
    nodeCount: statistics.node_count,
    relationshipCount: statistics.relationship_count,
    firstLine: lines[0]!,
    lastLine: lines.at(-2)!,
  };
}

async function stored(name: string, bytes: Uint8Array | string): Promise<MemoryStorage> {
  const storage = new MemoryStorage();
  await storage.write(
    name,
    (async function* () {
      yield bytes;
    })(),
  );
  return storage;
}

describe("checkWrittenFile: a file read back must be the document written", () => {
  const document = buildDocument();

  it("passes the file as written, plain and compressed", async () => {
    expect(await checkWrittenFile(await stored(NAME, document), written(document), {})).toEqual([]);
    const gz = gzipSync(document);
    const gzName = `${NAME}.gz`;
    expect(
      await checkWrittenFile(await stored(gzName, gz), written(document, gzName, gz.length), {}),
    ).toEqual([]);
  });

  it("finds every single-bit change, wherever it is in the file", async () => {
    const bytes = Buffer.from(document);
    const missed: string[] = [];
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0x01, 0x20]) {
        const bad = Buffer.from(bytes);
        bad[i] = bad[i]! ^ bit;
        const problems = await checkWrittenFile(await stored(NAME, bad), written(document), {});
        if (problems.length === 0) missed.push(`byte ${i} ^ ${bit}`);
      }
    }
    expect(missed).toEqual([]);
  });

  it("finds a damaged compressed file", async () => {
    const gz = gzipSync(document);
    const gzName = `${NAME}.gz`;
    for (const at of [0.2, 0.5, 0.8]) {
      const bad = Buffer.from(gz);
      const i = Math.floor(bad.length * at);
      bad[i] = bad[i]! ^ 0x04;
      const problems = await checkWrittenFile(
        await stored(gzName, bad),
        written(document, gzName, gz.length),
        {},
      );
      expect(problems, `flipped at ${at}`).not.toEqual([]);
    }
  });

  it("names a truncated file, one of another size, one missing, and one with a record less", async () => {
    const half = document.slice(0, Math.floor(document.length / 2));
    expect(
      await checkWrittenFile(await stored(NAME, half), written(document, NAME, half.length), {}),
    ).toEqual([expect.stringMatching(/ends early \(truncated\)/)]);
    expect(await checkWrittenFile(await stored(NAME, document), written(document, NAME, 10), {})).toEqual([
      expect.stringMatching(/is \d+ bytes in the storage, not the 10 written/),
    ]);
    expect(await checkWrittenFile(new MemoryStorage(), written(document), {})).toEqual([
      `${NAME} is not in the storage`,
    ]);
    const lines = document.split("\n");
    // the third node dropped (the second keeps no comma): counts and checksum differ
    const fewer = [...lines.slice(0, 3), lines[3]!.replace(/,$/, ""), ...lines.slice(5)].join("\n");
    const problems = await checkWrittenFile(
      await stored(NAME, fewer),
      written(document, NAME, Buffer.byteLength(fewer)),
      {},
    );
    expect(problems).toEqual([
      expect.stringMatching(/the number of node records is 2, not 3/),
      expect.stringMatching(/the checksum of the records is sha256:/),
    ]);
  });
});
