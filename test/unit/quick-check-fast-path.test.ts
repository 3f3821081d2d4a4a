/**
 * The quick record check takes the common records itself, so that validating a large file does not
 * run the schema on every record: every kind of value this library writes plain or in a text
 * wrapper passes it, and what it cannot vouch for is left to the schema.
 */
import { describe, expect, it } from "vitest";
import { isWellFormedNode, isWellFormedRelationship } from "../../src/validate/quick-check.js";

const nodeWith = (value: unknown) => ({ _id: 1, _labels: ["L"], properties: { p: value } });

describe("the quick record check's own path", () => {
  it("takes plain values, text wrappers and lists of plain values", () => {
    const values: unknown[] = [
      "text",
      "",
      true,
      false,
      0,
      -1.5,
      { $int: "9007199254740993" },
      { $float: "NaN" },
      { $bytes: "AAE=" },
      { $date: "2024-01-01" },
      { $time: "12:00:00Z" },
      { $localtime: "12:00:00" },
      { $datetime: "2024-01-01T00:00:00Z" },
      { $localdatetime: "2024-01-01T00:00:00" },
      { $duration: "P0M0DT0S" },
      ["a", "b"],
      [1, 2.5],
      [true],
      [],
    ];
    for (const value of values) expect(isWellFormedNode(nodeWith(value)), JSON.stringify(value)).toBe(true);
    expect(isWellFormedNode({ _id: "n1", _labels: [], properties: {} })).toBe(true);
  });

  it("leaves to the schema wrappers it cannot vouch for and values that are not property values", () => {
    const values: unknown[] = [
      null,
      {},
      { $int: "1", $float: "1" },
      { $int: 1 },
      { $int: "1.5" },
      { $nope: "x" },
      [null],
      [[1]],
      [{}],
    ];
    for (const value of values) expect(isWellFormedNode(nodeWith(value)), JSON.stringify(value)).toBe(false);
    expect(isWellFormedNode(null)).toBe(false);
    expect(isWellFormedNode([1, ["L"], {}])).toBe(false);
    expect(isWellFormedNode({ _id: 1, _labels: "L", properties: {} })).toBe(false);
    expect(isWellFormedNode({ _id: 1, _labels: [], properties: null })).toBe(false);
    expect(isWellFormedNode({ _id: 1, _labels: [], properties: [] })).toBe(false);
  });

  it("takes a relationship only with a type, two endpoints and properties", () => {
    const rel = { _id: 0, _type: "R", _start_id: 1, _end_id: "b", properties: { w: 1 } };
    expect(isWellFormedRelationship(rel)).toBe(true);
    expect(isWellFormedRelationship({ ...rel, _type: "" })).toBe(false);
    expect(isWellFormedRelationship({ ...rel, _type: 1 })).toBe(false);
    expect(isWellFormedRelationship({ ...rel, _start_id: -1 })).toBe(false);
    expect(isWellFormedRelationship({ ...rel, _end_id: "" })).toBe(false);
    expect(isWellFormedRelationship({ ...rel, properties: { w: null } })).toBe(false);
    expect(isWellFormedRelationship(null)).toBe(false);
    expect(isWellFormedRelationship([rel])).toBe(false);
  });
});
