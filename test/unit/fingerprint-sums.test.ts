/**
 * What a fingerprint sums and where: the total and the per-label and per-type sums are the sums of
 * the record hashes modulo 2^52 (checked here with bigint arithmetic), the counts are exact, and a
 * relationship's hash depends on the content of its end nodes. verifyBackup locates a difference
 * by these sums, so each must hold what it says.
 */
import { describe, expect, it } from "vitest";
import { FingerprintBuilder, nodeHash, relationshipHash } from "../../src/format/fingerprint.js";
import { encodeProperties } from "../../src/format/values.js";

const props = (p: Record<string, unknown>) => encodeProperties(p);
const MOD = 2n ** 52n;
const hex = (sum: bigint) => (sum % MOD).toString(16).padStart(13, "0");
const sum = (hashes: number[]) => hashes.reduce((s, h) => s + BigInt(h), 0n);

describe("the sums of a fingerprint", () => {
  it("are the record hashes summed modulo 2^52, as 13 hex digits", () => {
    const f = new FingerprintBuilder();
    const nodes: number[] = [];
    for (let i = 0; i < 64; i++) {
      f.addNode(i, ["L"], props({ i }));
      nodes.push(nodeHash(["L"], props({ i })));
    }
    const rels: number[] = [];
    for (let i = 0; i < 63; i++) {
      f.addRelationship("NEXT", i, i + 1, props({}));
      rels.push(relationshipHash("NEXT", nodes[i], nodes[i + 1], props({})));
    }
    // 127 hashes of up to 2^52 each: the sum wraps several times
    expect(sum([...nodes, ...rels])).toBeGreaterThan(MOD * 8n);
    const result = f.result();
    expect(result.total).toBe(hex(sum([...nodes, ...rels])));
    expect(result.byLabel).toEqual({ L: hex(sum(nodes)) });
    expect(result.byType).toEqual({ NEXT: hex(sum(rels)) });
    expect(result).toMatchObject({
      nodes: 64,
      relationships: 63,
      labelCounts: { L: 64 },
      typeCounts: { NEXT: 63 },
    });
  });

  it("pads a small sum to 13 hex digits", () => {
    const f = new FingerprintBuilder();
    expect(f.result()).toEqual({
      nodes: 0,
      relationships: 0,
      labelCounts: {},
      typeCounts: {},
      total: "0000000000000",
      byLabel: {},
      byType: {},
    });
  });

  it("adds a node with several labels to the sum of each label, and counts it once per label", () => {
    const f = new FingerprintBuilder();
    f.addNode(1, ["B", "A"], props({ x: 1 }));
    f.addNode(2, ["A"], props({ x: 2 }));
    const h1 = nodeHash(["A", "B"], props({ x: 1 }));
    const h2 = nodeHash(["A"], props({ x: 2 }));
    const result = f.result();
    expect(result.byLabel).toEqual({ A: hex(sum([h1, h2])), B: hex(sum([h1])) });
    expect(result.labelCounts).toEqual({ A: 2, B: 1 });
    expect(result.total).toBe(hex(sum([h1, h2])));
    expect(result.nodes).toBe(2);
  });

  it("keeps nodes without labels under the empty label, uncounted among the labels", () => {
    const f = new FingerprintBuilder();
    f.addNode(1, [], props({ a: "x" }));
    f.addNode(2, [], props({ a: "y" }));
    f.addNode(3, ["L"], props({}));
    const unlabelled = [nodeHash([], props({ a: "x" })), nodeHash([], props({ a: "y" }))];
    const result = f.result();
    expect(result.byLabel).toEqual({ "": hex(sum(unlabelled)), L: hex(sum([nodeHash(["L"], props({}))])) });
    expect(result.labelCounts).toEqual({ L: 1 });
  });

  it("lists labels and types in code-unit order", () => {
    const f = new FingerprintBuilder();
    for (const label of ["b", "a", "B", "ä", "A"]) f.addNode(label, [label], props({}));
    for (const type of ["R2", "R10", "R1"]) f.addRelationship(type, "a", "b", props({}));
    const result = f.result();
    expect(Object.keys(result.labelCounts)).toEqual(["A", "B", "a", "b", "ä"]);
    expect(Object.keys(result.byLabel)).toEqual(["A", "B", "a", "b", "ä"]);
    expect(Object.keys(result.typeCounts)).toEqual(["R1", "R10", "R2"]);
    expect(Object.keys(result.byType)).toEqual(["R1", "R10", "R2"]);
  });

  it("hashes a relationship with the content of its end nodes, and counts unknown ones", () => {
    const build = (endName: string, end: string) => {
      const f = new FingerprintBuilder();
      f.addNode("a", ["P"], props({ name: "a" }));
      f.addNode("b", ["P"], props({ name: endName }));
      f.addRelationship("KNOWS", "a", end, props({}));
      return f;
    };
    const base = build("b", "b");
    const changedEnd = build("c", "b");
    expect(changedEnd.result().byType.KNOWS).not.toBe(base.result().byType.KNOWS);
    const changedStart = new FingerprintBuilder();
    changedStart.addNode("a", ["P"], props({ name: "z" }));
    changedStart.addNode("b", ["P"], props({ name: "b" }));
    changedStart.addRelationship("KNOWS", "a", "b", props({}));
    expect(changedStart.result().byType.KNOWS).not.toBe(base.result().byType.KNOWS);
    expect(base.unknownEndpoints).toBe(0);
    const dangling = build("b", "nowhere");
    expect(dangling.unknownEndpoints).toBe(1);
    expect(dangling.result().byType.KNOWS).toBe(
      hex(sum([relationshipHash("KNOWS", nodeHash(["P"], props({ name: "a" })), undefined, props({}))])),
    );
    const unknownStart = new FingerprintBuilder();
    unknownStart.addNode("b", ["P"], props({}));
    unknownStart.addRelationship("R", "nowhere", "b", props({}));
    expect(unknownStart.unknownEndpoints).toBe(1);
    const f = new FingerprintBuilder();
    f.addRelationship("R", "x", "y", props({}));
    expect(f.unknownEndpoints).toBe(1);
  });
});
