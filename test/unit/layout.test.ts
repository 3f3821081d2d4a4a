/**
 * The line layout of a backup file, as docs/format.md shows it: readers of other languages rely on
 * every piece sitting on its own line, so the text is fixed, not only what it parses to.
 */
import { describe, expect, it } from "vitest";
import { metadataLine, renderDocument, statisticsLine } from "../../src/format/layout.js";

describe("the layout of a backup file", () => {
  it("puts the metadata, each section opening and closing, each record and the statistics on lines of their own", () => {
    const text = renderDocument({ format_version: 2 }, ['{"_id":0}', '{"_id":1}'], ['{"_id":2}'], {
      node_count: 2,
    });
    expect(text.split("\n")).toEqual([
      '{"metadata":{"format_version":2},',
      '"data":{"nodes":[',
      '{"_id":0},',
      '{"_id":1}',
      "],",
      '"relationships":[',
      '{"_id":2}',
      "],",
      '"statistics":{"node_count":2}}}',
      "",
    ]);
    expect(JSON.parse(text)).toEqual({
      metadata: { format_version: 2 },
      data: { nodes: [{ _id: 0 }, { _id: 1 }], relationships: [{ _id: 2 }], statistics: { node_count: 2 } },
    });
  });

  it("keeps an empty section's opening and closing lines", () => {
    expect(renderDocument({}, [], [], {})).toBe(
      '{"metadata":{},\n"data":{"nodes":[\n],\n"relationships":[\n],\n"statistics":{}}}\n',
    );
    expect(metadataLine({ a: 1 })).toBe('{"metadata":{"a":1},\n');
    expect(statisticsLine({ b: 2 })).toBe('"statistics":{"b":2}}}\n');
  });
});
