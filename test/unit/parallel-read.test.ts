import { describe, expect, it } from "vitest";
import { RecordBody } from "../../src/backup/output.js";
import { denseEnough, resolveParallel } from "../../src/backup/parallel-read.js";
import { BackupError } from "../../src/errors.js";
import { IdSet } from "../../src/format/id-set.js";
import { ContentChecksum } from "../../src/format/records.js";

const nodeLines = [
  '{"_id":0,"_labels":["A"],"properties":{}}',
  '{"_id":1,"_labels":[],"properties":{"s":"a\\nb"}}',
];
const relLines = ['{"_id":0,"_type":"R","_start_id":0,"_end_id":1,"properties":{}}'];

/** What a body hands on, as text. */
async function bodyText(fill: (body: RecordBody) => Promise<void>): Promise<string> {
  const chunks: Buffer[] = [];
  const body = new RecordBody(async (chunk) => {
    chunks.push(chunk);
  });
  await fill(body);
  await body.close();
  return Buffer.concat(chunks).toString("utf8");
}

describe("the pieces a parallel backup hands lines on with", () => {
  it("a body given lines as one text writes the bytes of appending them one by one", async () => {
    const oneByOne = await bodyText(async (body) => {
      for (const line of nodeLines) await body.append(line);
      body.startRelationships();
      for (const line of relLines) await body.append(line);
    });
    const batched = await bodyText(async (body) => {
      await body.appendLines(`${nodeLines[0]}\n`);
      await body.appendLines("");
      await body.appendLines(`${nodeLines[1]}\n`);
      body.startRelationships();
      await body.appendLines(`${relLines.join("\n")}\n`);
    });
    expect(batched).toBe(oneByOne);
  });

  it("the content checksum of lines given as one text is that of the lines one by one", () => {
    const oneByOne = new ContentChecksum();
    for (const line of nodeLines) oneByOne.addNode(line);
    for (const line of relLines) oneByOne.addRelationship(line);
    const expected = oneByOne.digest();
    const batched = new ContentChecksum();
    batched.addNode(nodeLines[0]!);
    batched.addNodeLines(`${nodeLines[1]}\n`);
    batched.addRelationshipLines(`${relLines.join("\n")}\n`);
    expect(batched.digest()).toBe(expected);
    const other = new ContentChecksum();
    other.addNodeLines(`${nodeLines.join("\n")}\n`);
    other.addRelationshipLines(`${relLines[0]} \n`);
    expect(other.digest()).not.toBe(expected);
  });

  it("an id set handed over as bitset pages has the same ids and size", () => {
    const ids = new IdSet();
    const added = [0, 1, 31, 32, 65_535, 65_536, 1_000_003, 4_294_967_297];
    for (const id of added) ids.add(id);
    const copy = IdSet.fromIntegerPages(ids.integerPages());
    expect(copy.size).toBe(added.length);
    for (const id of added) expect(copy.has(id)).toBe(true);
    for (const id of [2, 30, 33, 65_537, 1_000_002]) expect(copy.has(id)).toBe(false);
  });

  it("reads by id ranges only where ids are dense", () => {
    expect(denseEnough(99_999, 100_000)).toBe(true);
    expect(denseEnough(399_999, 100_000)).toBe(true);
    expect(denseEnough(400_000, 100_000)).toBe(false);
    // small graphs: up to 100,000 ids more than records
    expect(denseEnough(100_009, 10)).toBe(true);
    expect(denseEnough(2 ** 40, 1_000_000)).toBe(false);
  });

  it("refuses bad parallel options by name", () => {
    const module = "/x/driver.mjs";
    expect(resolveParallel({ driverModule: module, threads: 2, rangeSize: 10 })).toEqual({
      threads: 2,
      rangeSize: 10,
    });
    for (const [options, message] of [
      [{ driverModule: module, threads: 0 }, /parallel\.threads/],
      [{ driverModule: module, threads: 1.5 }, /parallel\.threads/],
      [{ driverModule: module, rangeSize: 0 }, /parallel\.rangeSize/],
      [{ driverModule: "" }, /parallel\.driverModule/],
    ] as const) {
      const error = (() => {
        try {
          resolveParallel(options);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(BackupError);
      expect((error as BackupError).code).toBe("INVALID_OPTIONS");
      expect((error as BackupError).message).toMatch(message);
    }
  });
});
