import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FingerprintBuilder, hash52, mix52, relationshipHash } from "../../src/format/fingerprint.js";
import { ContentChecksum, canonicalJson, canonicalValue } from "../../src/format/records.js";
import { encodeProperties } from "../../src/format/values.js";

describe("hash52", () => {
  it("is a deterministic 52-bit integer", () => {
    for (const text of ["", "a", "Function", "ü€😀", "x".repeat(10_000)]) {
      const h = hash52(text);
      expect(Number.isSafeInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 52);
      expect(hash52(text)).toBe(h);
    }
  });

  it("has no collisions among 300,000 near-identical record texts", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      seen.add(hash52(`["n",["Function"],{"name":"fn_${i}","score":1}]`));
      seen.add(hash52(`["n",["Function"],{"name":"fn_${i}","score":2}]`));
      seen.add(hash52(`["r","USES",${i},${i + 1},{}]`));
    }
    expect(seen.size).toBe(300_000);
  });

  it("changes about half of its bits when one character changes", () => {
    const base = `["n",["Template"],{"body":"${"lorem ipsum ".repeat(20)}"}]`;
    let flipped = 0;
    let trials = 0;
    for (let i = 0; i < base.length; i += 7) {
      const changed = base.slice(0, i) + String.fromCharCode(base.charCodeAt(i) ^ 1) + base.slice(i + 1);
      const x = BigInt(hash52(base)) ^ BigInt(hash52(changed));
      flipped += x.toString(2).split("1").length - 1;
      trials++;
    }
    const average = flipped / trials;
    expect(average).toBeGreaterThan(22);
    expect(average).toBeLessThan(30);
  });
});

describe("mix52", () => {
  it("is a 52-bit integer that depends on the order of its inputs and on each of their bits", () => {
    const a = hash52("start");
    const b = hash52("end");
    const c = hash52("inner");
    const h = mix52(c, a, b);
    expect(Number.isSafeInteger(h)).toBe(true);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(h).toBeLessThan(2 ** 52);
    expect(mix52(c, a, b)).toBe(h);
    expect(mix52(c, b, a)).not.toBe(h);
    expect(mix52(a, c, b)).not.toBe(h);
    // one bit of one input, high or low half: about half of the 52 output bits change
    let flipped = 0;
    let trials = 0;
    for (const bit of [0, 1, 5, 20, 31, 32, 33, 40, 51]) {
      for (const which of [0, 1, 2]) {
        const inputs = [c, a, b];
        inputs[which] = Number(BigInt(inputs[which]!) ^ (1n << BigInt(bit)));
        const x = BigInt(h) ^ BigInt(mix52(inputs[0]!, inputs[1]!, inputs[2]!));
        flipped += x.toString(2).split("1").length - 1;
        trials++;
      }
    }
    expect(flipped / trials).toBeGreaterThan(22);
    expect(flipped / trials).toBeLessThan(30);
  });

  it("tells apart a relationship and its reverse, and an unknown end node", () => {
    const props = encodeProperties({ weight: 1.5 });
    const [s, e] = [hash52("a"), hash52("b")];
    const forward = relationshipHash("KNOWS", s, e, props);
    expect(relationshipHash("KNOWS", e, s, props)).not.toBe(forward);
    expect(relationshipHash("KNOWS", s, undefined, props)).not.toBe(forward);
    expect(relationshipHash("LIKES", s, e, props)).not.toBe(forward);
    expect(relationshipHash("KNOWS", s, e, encodeProperties({ weight: 2.5 }))).not.toBe(forward);
  });

  it("has no collisions among 300,000 relationships between neighbouring nodes", () => {
    const seen = new Set<number>();
    const inner = hash52(`["r","USES",{}]`);
    for (let i = 0; i < 100_000; i++) {
      seen.add(mix52(inner, i, i + 1));
      seen.add(mix52(inner, i + 1, i));
      seen.add(mix52(inner, i, i));
    }
    expect(seen.size).toBe(300_000);
  });
});

describe("canonicalJson", () => {
  it("equals the serialised canonical copy whether or not the keys were sorted", () => {
    const values = [
      { b: 1, a: [{ y: 1, x: 2 }], c: { $point: { y: 1, srid: 7203, x: 2 } } },
      { a: 1, b: 2 },
      { 10: "ten", 9: "nine", b: true, a: null },
      { __proto__: 1, z: { $float: "1.0" } },
      [3, { d: 1, c: 2 }],
      "plain",
    ];
    for (const value of values) {
      const parsed = JSON.parse(JSON.stringify(value));
      expect(canonicalJson(parsed)).toBe(JSON.stringify(canonicalValue(parsed)));
    }
  });
});

describe("FingerprintBuilder", () => {
  const props = (p: Record<string, unknown>) => encodeProperties(p);

  it("does not depend on ids, record order or property key order", () => {
    const a = new FingerprintBuilder();
    a.addNode(1, ["A", "B"], props({ x: 1, y: "s" }));
    a.addNode(2, ["C"], props({}));
    a.addRelationship("R", 1, 2, props({ w: 0.5 }));
    const b = new FingerprintBuilder();
    b.addNode("n7", ["C"], props({}));
    b.addNode("n3", ["B", "A"], props({ y: "s", x: 1 }));
    b.addRelationship("R", "n3", "n7", props({ w: 0.5 }));
    expect(b.result()).toEqual(a.result());
  });

  it("tells apart a changed property, a changed label and a reversed relationship", () => {
    const build = (label: string, x: number, reversed: boolean) => {
      const f = new FingerprintBuilder();
      f.addNode(1, [label], props({ x }));
      f.addNode(2, ["C"], props({}));
      if (reversed) f.addRelationship("R", 2, 1, props({}));
      else f.addRelationship("R", 1, 2, props({}));
      return f.result();
    };
    const base = build("A", 1, false);
    expect(build("A", 2, false).total).not.toBe(base.total);
    expect(build("B", 1, false).total).not.toBe(base.total);
    expect(build("A", 1, true).total).not.toBe(base.total);
    expect(build("A", 2, false).byLabel.C).toBe(base.byLabel.C);
    expect(build("A", 2, false).byLabel.A).not.toBe(base.byLabel.A);
  });

  it("sums modulo 2^52 without losing precision", () => {
    const f = new FingerprintBuilder();
    for (let i = 0; i < 50_000; i++) f.addNode(i, ["L"], props({ i }));
    const result = f.result();
    expect(result.total).toMatch(/^[0-9a-f]{13}$/);
    expect(result.byLabel.L).toBe(result.total);
    expect(result.nodes).toBe(50_000);
  });
});

describe("ContentChecksum", () => {
  it("is SHA-256 over the lines as documented, across batch boundaries", () => {
    const nodes = Array.from(
      { length: 5000 },
      (_, i) => `{"_id":${i},"_labels":["L"],"properties":{"s":"é${"x".repeat(i % 97)}"}}`,
    );
    const rels = Array.from(
      { length: 3000 },
      (_, i) => `{"_id":${i},"_type":"R","_start_id":${i},"_end_id":0,"properties":{}}`,
    );
    const checksum = new ContentChecksum();
    for (const line of nodes) checksum.addNode(line);
    for (const line of rels) checksum.addRelationship(line);
    const sha = (text: string) => createHash("sha256").update(text).digest("hex");
    const expected = sha(
      `${sha(nodes.map((l) => `${l}\n`).join(""))}:${sha(rels.map((l) => `${l}\n`).join(""))}`,
    );
    expect(checksum.digest()).toBe(`sha256:${expected}`);
    const empty = new ContentChecksum();
    expect(empty.digest()).toBe(`sha256:${sha(`${sha("")}:${sha("")}`)}`);
  });
});
