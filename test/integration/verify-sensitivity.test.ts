/**
 * verifyBackup notices every kind of change, one at a time, and names it: each value type on a
 * node and on a relationship, a label, a relationship type and its direction, a property key, an
 * index's options and properties, a constraint. One backup of a tiny graph holds every case; each
 * case changes exactly one thing, verifies, and puts it back (the database's fingerprint, or for a
 * change of structure a verification, must then be what it was, so no case leaks into the next).
 */
import neo4j, { type Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, escapeName } from "../../scripts/sample-graph/index.js";
import {
  createBackup,
  fingerprintDatabase,
  MemoryStorage,
  type VerifyResult,
  verifyBackup,
} from "../../src/index.js";
import { driverFor, testServers } from "../support/servers.js";

/** A Cypher expression (it may use `$v`, bound to `value`). */
interface Expr {
  cypher: string;
  value?: unknown;
}

const e = (cypher: string, value?: unknown): Expr => ({ cypher, value });
const p = (value: unknown): Expr => ({ cypher: "$v", value });

/** The properties every case starts from, on the node and on the relationship alike. */
const PROPERTIES: Record<string, Expr> = {
  date: e("date('2025-01-28')"),
  time: e("time('14:30:22+01:00')"),
  localtime: e("localtime('14:30:22.000000001')"),
  datetime_offset: e("datetime('2025-01-28T14:30:22Z')"),
  datetime_zone: e("datetime('2024-10-27T02:30:00+02:00[Europe/Berlin]')"),
  localdatetime: e("localdatetime('2025-01-28T14:30:22.123456789')"),
  duration: e("duration({months: 1})"),
  duration_seconds: e("duration('PT1.5S')"),
  point_cartesian_2d: e("point({x: 1.5, y: 2.5})"),
  point_cartesian_3d: e("point({x: 1.5, y: 2.5, z: 3.5})"),
  point_wgs84_2d: e("point({longitude: 13.4, latitude: 52.5})"),
  point_wgs84_3d: e("point({longitude: 13.4, latitude: 52.5, height: 100.25})"),
  bytes: p(Int8Array.from([0, 1, -1])),
  list_integer: e("[1, 2, 3]"),
  list_float: e("[0.5, 1.5]"),
  list_string: e("['a', 'b']"),
  list_boolean: e("[true, false]"),
  list_date: e("[date('2025-01-01'), date('2025-01-02')]"),
  list_time: e("[time('10:00:00Z'), time('11:00:00+02:00')]"),
  list_localtime: e("[localtime('10:00:00'), localtime('11:00:00.5')]"),
  list_datetime_offset: e("[datetime('2025-01-01T10:00:00Z'), datetime('2025-01-01T10:00:00+01:00')]"),
  list_datetime_zone: e("[datetime('2025-01-01T10:00:00[Europe/Berlin]')]"),
  list_localdatetime: e("[localdatetime('2025-01-01T10:00:00'), localdatetime('2025-01-01T10:00:01')]"),
  list_duration: e("[duration('P1D'), duration('PT1H')]"),
  list_point_cartesian_2d: e("[point({x: 1.0, y: 2.0}), point({x: 3.0, y: 4.0})]"),
  list_point_cartesian_3d: e("[point({x: 1.0, y: 2.0, z: 3.0})]"),
  list_point_wgs84_2d: e("[point({longitude: 1.0, latitude: 2.0})]"),
  list_point_wgs84_3d: e("[point({longitude: 1.0, latitude: 2.0, height: 3.0})]"),
  string_astral: p("a😀b"),
  string_combining: p("e\u0301"),
  string_unusual: p("\u0000\u001f\u2028\u200d\ufeff\uffff"),
  integer: e("42"),
  integer_large: p(neo4j.int("9007199254740993")),
  integer_min: p(neo4j.int("-9223372036854775808")),
  float: e("0.1"),
  float_integral: e("1.0"),
  float_nan: e("0.0 / 0.0"),
  float_negative_zero: e("-0.0"),
  boolean: e("true"),
};

/** One change of one property value: what it becomes. */
interface ValueCase {
  name: string;
  key: string;
  to: Expr;
}

const VALUE_CASES: ValueCase[] = [
  { name: "a Date, by a day", key: "date", to: e("date('2025-01-29')") },
  { name: "a Time, its offset (the same instant)", key: "time", to: e("time('13:30:22Z')") },
  { name: "a LocalTime, by a nanosecond", key: "localtime", to: e("localtime('14:30:22.000000002')") },
  {
    name: "a DateTime with offset, its offset (the same instant)",
    key: "datetime_offset",
    to: e("datetime('2025-01-28T15:30:22+01:00')"),
  },
  {
    name: "a DateTime with zone id, its zone id (the same instant and offset)",
    key: "datetime_zone",
    to: e("datetime('2024-10-27T02:30:00+02:00[Europe/Paris]')"),
  },
  {
    name: "a DateTime with zone id, its offset (the same local time, an hour later)",
    key: "datetime_zone",
    to: e("datetime('2024-10-27T02:30:00+01:00[Europe/Berlin]')"),
  },
  {
    name: "a LocalDateTime, by a nanosecond",
    key: "localdatetime",
    to: e("localdatetime('2025-01-28T14:30:22.123456788')"),
  },
  { name: "a Duration, a month for 30 days", key: "duration", to: e("duration({days: 30})") },
  { name: "a Duration, by a nanosecond", key: "duration_seconds", to: e("duration('PT1.500000001S')") },
  {
    name: "a Cartesian 2D point, by one ulp",
    key: "point_cartesian_2d",
    to: e("point({x: 1.5, y: 2.5000000000000004})"),
  },
  {
    name: "a Cartesian 2D point, its CRS (WGS-84, the same numbers)",
    key: "point_cartesian_2d",
    to: e("point({longitude: 1.5, latitude: 2.5})"),
  },
  {
    name: "a Cartesian 3D point, its z by one ulp",
    key: "point_cartesian_3d",
    to: e("point({x: 1.5, y: 2.5, z: 3.5000000000000004})"),
  },
  {
    name: "a WGS-84 2D point, by one ulp",
    key: "point_wgs84_2d",
    to: e("point({longitude: 13.4, latitude: 52.50000000000001})"),
  },
  {
    name: "a WGS-84 3D point, its height by one ulp",
    key: "point_wgs84_3d",
    to: e("point({longitude: 13.4, latitude: 52.5, height: 100.25000000000001})"),
  },
  { name: "a byte array, one byte", key: "bytes", to: p(Int8Array.from([0, 1, -2])) },
  { name: "a byte array, one more zero byte", key: "bytes", to: p(Int8Array.from([0, 1, -1, 0])) },
  { name: "a list of integers, one element", key: "list_integer", to: e("[1, 2, 4]") },
  { name: "a list of integers, to floats", key: "list_integer", to: e("[1.0, 2.0, 3.0]") },
  { name: "a list of floats, one ulp", key: "list_float", to: e("[0.5, 1.5000000000000002]") },
  { name: "a list of strings, one element", key: "list_string", to: e("['a', 'c']") },
  { name: "a list of booleans, one element", key: "list_boolean", to: e("[true, true]") },
  {
    name: "a list of dates, one element",
    key: "list_date",
    to: e("[date('2025-01-01'), date('2025-01-03')]"),
  },
  {
    name: "a list of times, one offset",
    key: "list_time",
    to: e("[time('10:00:00Z'), time('09:00:00Z')]"),
  },
  {
    name: "a list of local times, one element",
    key: "list_localtime",
    to: e("[localtime('10:00:00'), localtime('11:00:00.500000001')]"),
  },
  {
    name: "a list of datetimes with offset, one offset",
    key: "list_datetime_offset",
    to: e("[datetime('2025-01-01T10:00:00Z'), datetime('2025-01-01T09:00:00Z')]"),
  },
  {
    name: "a list of datetimes with zone id, the zone id",
    key: "list_datetime_zone",
    to: e("[datetime('2025-01-01T10:00:00[Europe/Paris]')]"),
  },
  {
    name: "a list of local datetimes, one element",
    key: "list_localdatetime",
    to: e("[localdatetime('2025-01-01T10:00:00'), localdatetime('2025-01-01T10:00:02')]"),
  },
  {
    name: "a list of durations, a day for 24 hours",
    key: "list_duration",
    to: e("[duration('PT24H'), duration('PT1H')]"),
  },
  {
    name: "a list of Cartesian 2D points, one coordinate",
    key: "list_point_cartesian_2d",
    to: e("[point({x: 1.0, y: 2.0}), point({x: 3.0, y: 4.5})]"),
  },
  {
    name: "a list of Cartesian 3D points, the z",
    key: "list_point_cartesian_3d",
    to: e("[point({x: 1.0, y: 2.0, z: -3.0})]"),
  },
  {
    name: "a list of WGS-84 2D points, the latitude",
    key: "list_point_wgs84_2d",
    to: e("[point({longitude: 1.0, latitude: 2.5})]"),
  },
  {
    name: "a list of WGS-84 3D points, the height",
    key: "list_point_wgs84_3d",
    to: e("[point({longitude: 1.0, latitude: 2.0, height: 3.5})]"),
  },
  { name: "a string with an astral code point, the next one", key: "string_astral", to: p("a😁b") },
  { name: "a combining sequence, to its precomposed form", key: "string_combining", to: p("\u00e9") },
  {
    name: "a string of unusual code points, one of them",
    key: "string_unusual",
    to: p("\u0000\u001f\u2029\u200d\ufeff\uffff"),
  },
  { name: "an Integer, by one", key: "integer", to: e("43") },
  { name: "an Integer, to the equal Float", key: "integer", to: e("42.0") },
  { name: "an Integer beyond 2^53, by one", key: "integer_large", to: p(neo4j.int("9007199254740992")) },
  {
    name: "the smallest Integer, by one",
    key: "integer_min",
    to: p(neo4j.int("-9223372036854775807")),
  },
  { name: "a Float, by one ulp", key: "float", to: e("0.10000000000000002") },
  { name: "an integral Float, to the equal Integer", key: "float_integral", to: e("1") },
  { name: "a NaN, to Infinity", key: "float_nan", to: e("1.0 / 0.0") },
  { name: "a -0.0, to 0.0", key: "float_negative_zero", to: e("0.0") },
  { name: "a Boolean", key: "boolean", to: e("false") },
];

/** One change that is not a property value. */
interface StructureCase {
  name: string;
  change: string[];
  undo: string[];
  /** What the differences must name (a fragment of their text). */
  named: string;
}

const POINT_CONFIG =
  "{indexConfig: {`spatial.cartesian.min`: [-100.0, -100.0], `spatial.cartesian.max`: [100.0, MAX]}}";
const POINT_INDEX = `CREATE POINT INDEX holder_points FOR (h:Holder) ON (h.point_cartesian_2d) OPTIONS ${POINT_CONFIG}`;
const RANGE_INDEX = "CREATE RANGE INDEX holder_integer FOR (h:Holder) ON (h.integer)";
const CONSTRAINT = "CREATE CONSTRAINT other_name FOR (o:Other) REQUIRE o.name IS UNIQUE";

const STRUCTURE_CASES: StructureCase[] = [
  {
    name: "a label (renamed on one node)",
    change: ["MATCH (h:Holder) REMOVE h:Marked SET h:Marked2"],
    undo: ["MATCH (h:Holder) REMOVE h:Marked2 SET h:Marked"],
    named: '"Marked"',
  },
  {
    name: "a relationship type",
    change: ["MATCH (a)-[r:LINKS]->(b) CREATE (a)-[s:LINKS_TO]->(b) SET s = properties(r) DELETE r"],
    undo: ["MATCH (a)-[r:LINKS_TO]->(b) CREATE (a)-[s:LINKS]->(b) SET s = properties(r) DELETE r"],
    named: '"LINKS"',
  },
  {
    name: "a relationship's direction",
    change: ["MATCH (a)-[r:LINKS]->(b) CREATE (b)-[s:LINKS]->(a) SET s = properties(r) DELETE r"],
    undo: ["MATCH (a)-[r:LINKS]->(b) CREATE (b)-[s:LINKS]->(a) SET s = properties(r) DELETE r"],
    named: '"LINKS"',
  },
  {
    name: "a property key of a node (its case)",
    change: ["MATCH (o:Other) SET o.Renamed = o.renamed REMOVE o.renamed"],
    undo: ["MATCH (o:Other) SET o.renamed = o.Renamed REMOVE o.Renamed"],
    named: 'property "Renamed"',
  },
  {
    name: "a property key of a relationship (its case)",
    change: ["MATCH ()-[r:LINKS]->() SET r.Weight = r.weight REMOVE r.weight"],
    undo: ["MATCH ()-[r:LINKS]->() SET r.weight = r.Weight REMOVE r.Weight"],
    named: 'property "Weight"',
  },
  {
    name: "an index's options (one bound of a point index)",
    change: ["DROP INDEX holder_points", POINT_INDEX.replace("MAX", "200.0")],
    undo: ["DROP INDEX holder_points", POINT_INDEX.replace("MAX", "100.0")],
    named: 'index "holder_points"',
  },
  {
    name: "an index's property",
    change: ["DROP INDEX holder_integer", RANGE_INDEX.replace("h.integer", "h.float")],
    undo: ["DROP INDEX holder_integer", RANGE_INDEX],
    named: 'index "holder_integer"',
  },
  {
    name: "an index's type",
    change: [
      "DROP INDEX holder_integer",
      RANGE_INDEX.replace("RANGE", "TEXT").replace("h.integer", "h.string_astral"),
    ],
    undo: ["DROP INDEX holder_integer", RANGE_INDEX],
    named: 'index "holder_integer"',
  },
  {
    name: "a constraint's property",
    change: ["DROP CONSTRAINT other_name", CONSTRAINT.replace("o.name", "o.renamed")],
    undo: ["DROP CONSTRAINT other_name", CONSTRAINT],
    named: 'constraint "other_name"',
  },
  {
    name: "a constraint (dropped)",
    change: ["DROP CONSTRAINT other_name"],
    undo: [CONSTRAINT],
    named: 'constraint "other_name"',
  },
];

const MATCH = {
  node: "MATCH (x:Holder)",
  relationship: "MATCH (:Holder)-[x:HOLDS]->(:Other)",
} as const;

describe.each(testServers())(
  "verifyBackup notices and names each change on Neo4j $version ($label)",
  (server) => {
    let driver: Driver;
    const storage = new MemoryStorage();
    let name: string;
    let fingerprint: string;

    /**
     * Sets a property: removes it, then sets it, in one transaction. Neo4j skips a write of a value it
     * deems equal to the stored one (0.0 over -0.0, a DateTime that differs only in the offset of an
     * ambiguous local time), so that a plain SET would change nothing.
     */
    const set = async (target: keyof typeof MATCH, key: string, to: Expr) => {
      const property = `x.${escapeName(key)}`;
      await driver.executeQuery(`${MATCH[target]} REMOVE ${property} WITH x SET ${property} = ${to.cypher}`, {
        v: to.value,
      });
    };
    const verify = (): Promise<VerifyResult> => verifyBackup({ driver, storage, name });
    const expectEqual = async (after: string) => {
      const result = await verify();
      expect(result.equal, `${after}: ${result.differences.join("; ")}`).toBe(true);
    };

    beforeAll(async () => {
      driver = driverFor(server);
      await clearDatabase(driver);
      await driver.executeQuery(
        "CREATE (h:Holder:Marked)-[:HOLDS]->(o:Other {name: 'o', renamed: 1}), (h)-[:LINKS {weight: 2}]->(o)",
      );
      const entries = Object.entries(PROPERTIES);
      const assignments = entries.flatMap(([key, { cypher }], i) => {
        const expression = cypher.replace("$v", `$v${i}`);
        return [`h.${escapeName(key)} = ${expression}`, `r.${escapeName(key)} = ${expression}`];
      });
      await driver.executeQuery(
        `MATCH (h:Holder)-[r:HOLDS]->(:Other) SET ${assignments.join(", ")}`,
        Object.fromEntries(entries.map(([, { value }], i) => [`v${i}`, value])),
      );
      await driver.executeQuery(POINT_INDEX.replace("MAX", "100.0"));
      await driver.executeQuery(RANGE_INDEX);
      await driver.executeQuery(CONSTRAINT);
      await driver.executeQuery("CALL db.awaitIndexes(300)");
      ({ name } = await createBackup({ driver, storage, reason: "verification sensitivity" }));
      await expectEqual("the backup just taken");
      fingerprint = (await fingerprintDatabase(driver)).total;
    });
    afterAll(async () => {
      await clearDatabase(driver);
      await driver?.close();
    });

    describe.each(["node", "relationship"] as const)("a property value on a %s", (target) => {
      it.each(VALUE_CASES)("$name", async ({ key, to }) => {
        await set(target, key, to);
        const result = await verify();
        await set(target, key, PROPERTIES[key]!);
        expect(result.equal, `unnoticed: ${key} on a ${target}`).toBe(false);
        expect(result.firstDifference, result.differences.join("; ")).toMatchObject({
          kind: target,
          property: key,
        });
        const where =
          target === "node"
            ? 'content of nodes with label "Holder" differs'
            : 'content of relationships of type "HOLDS" differs';
        expect(result.differences).toContain(where);
        expect(result.differences.at(-1)).toContain(`property ${JSON.stringify(key)}`);
        expect((await fingerprintDatabase(driver)).total, `${key} on a ${target} put back`).toBe(fingerprint);
      });
    });

    it.each(STRUCTURE_CASES)("$name", async ({ change, undo, named }) => {
      for (const statement of change) await driver.executeQuery(statement);
      const result = await verify();
      for (const statement of undo) await driver.executeQuery(statement);
      expect(result.equal, "unnoticed").toBe(false);
      expect(result.differences.join("\n")).toContain(named);
      await expectEqual("put back");
    });

    it("finds the database equal to the backup again after every case", async () => {
      await expectEqual("after every case");
    });
  },
);
