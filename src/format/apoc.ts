/**
 * Reading APOC's JSON exports (`apoc.export.json.all`, `.data`, `.graph` and `.query`, in APOC's
 * default JSON-lines layout) as the records of this library's format, so that validation, restore,
 * verification and `info` read them through one path.
 *
 * APOC writes one element per line (`{"type":"node","id":"0","labels":[…],"properties":{…}}`,
 * `{"type":"relationship","id":"0","label":"KNOWS","properties":{…},"start":{…},"end":{…}}`), or,
 * for a query, one row per line with an element, a path or a list of them in each column. Its ids
 * become the records' `_id`s; numbers are read from their text (APOC writes a float as `1.0`, an
 * integer as `1`); points are objects with a `crs` and are read exactly. Temporal values, byte
 * arrays and NaN/±Infinity are strings in APOC's files: they stay strings unless a property type
 * mapping ({@link ApocPropertyTypes}) names their type. See docs/format.md.
 */
import { IdSet } from "./id-set.js";
import { isReadNumber } from "./json-values.js";
import type { NodeRecord, RecordId, RelationshipRecord } from "./records.js";
import type { EncodedValue } from "./values.js";

/**
 * The types a string in an APOC file can be read as. APOC's own mapping names are accepted too
 * (`LocalDate`, `OffsetTime`, `OffsetDateTime`, `ZonedDateTime`), and `Point`, which changes nothing:
 * APOC writes points as objects, which are read as points anyway.
 */
export type ApocValueType =
  | "Date"
  | "LocalTime"
  | "Time"
  | "LocalDateTime"
  | "DateTime"
  | "Duration"
  | "ByteArray"
  | "Float"
  | "LocalDate"
  | "OffsetTime"
  | "OffsetDateTime"
  | "ZonedDateTime"
  | "Point";

/**
 * Property types of an APOC export, like `apoc.import.json`'s `nodePropertyMappings` and
 * `relPropertyMappings`: label (or relationship type) → property key → type. A mapped property that
 * holds a string (or a list of strings) is read as that type.
 */
export interface ApocPropertyTypes {
  nodes?: Record<string, Record<string, ApocValueType>>;
  relationships?: Record<string, Record<string, ApocValueType>>;
}

const ALIASES: Record<string, string> = {
  LocalDate: "Date",
  OffsetTime: "Time",
  OffsetDateTime: "DateTime",
  ZonedDateTime: "DateTime",
};

const SRIDS: Record<string, number> = {
  cartesian: 7203,
  "cartesian-3d": 9157,
  "wgs-84": 4326,
  "wgs-84-3d": 4979,
};

const NON_FINITE = new Set(["NaN", "Infinity", "-Infinity"]);

/** An element of an APOC file, as found in a line. */
interface ApocElement {
  type?: unknown;
  id?: unknown;
  labels?: unknown;
  label?: unknown;
  properties?: unknown;
  start?: unknown;
  end?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isElement = (value: unknown): value is ApocElement =>
  isObject(value) && (value.type === "node" || value.type === "relationship") && "id" in value;

const isPath = (value: unknown): value is { nodes: unknown[]; rels: unknown[] } =>
  isObject(value) && Array.isArray(value.nodes) && Array.isArray(value.rels);

/**
 * Whether a file whose first line is `firstLine` (already parsed as `parsed` when it is a whole JSON
 * value) is an APOC export: the line is an APOC element, or a query row holding one.
 */
export function isApocLine(parsed: unknown): boolean {
  if (!isObject(parsed)) return false;
  if ("metadata" in parsed || "data" in parsed) return false;
  return isElement(parsed) || collectElements(parsed, [], []) > 0;
}

/** Gathers the nodes and relationships of a query row (elements, paths, lists of them). */
function collectElements(value: unknown, nodes: ApocElement[], rels: ApocElement[]): number {
  if (isElement(value)) {
    (value.type === "node" ? nodes : rels).push(value);
    return 1;
  }
  let found = 0;
  if (isPath(value)) {
    for (const n of value.nodes) found += collectElements(n, nodes, rels);
    for (const r of value.rels) found += collectElements(r, nodes, rels);
  } else if (Array.isArray(value)) {
    for (const item of value) found += collectElements(item, nodes, rels);
  } else if (isObject(value)) {
    for (const key of Object.keys(value)) {
      const column = value[key];
      if (isElement(column) || isPath(column) || Array.isArray(column)) {
        found += collectElements(column, nodes, rels);
      }
    }
  }
  return found;
}

/** APOC ids are decimal strings of the internal id: kept as numbers when they are, else as strings. */
function recordId(id: unknown): RecordId {
  if (typeof id === "number") return id;
  const text = String(id);
  if (/^(?:0|[1-9]\d{0,15})$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  return text;
}

/** A node or relationship record translated from an APOC element. */
export type ApocRecord =
  | { kind: "node"; record: NodeRecord }
  | { kind: "relationship"; record: RelationshipRecord };

/** Problems in an APOC file that make it unreadable as a graph. */
export class ApocFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ApocFormatError";
  }
}

/**
 * Translates the lines of an APOC export into records, in an order a restore can stream: within a
 * line nodes come before relationships, each node and relationship once (query exports repeat
 * them), and a relationship's end nodes before it (taken from its `start`/`end` when the file has
 * not listed them yet).
 */
export class ApocTranslator {
  private readonly nodes = new IdSet();
  private readonly relationships = new IdSet();
  /** Nodes taken from a relationship's `start`/`end` without their properties. */
  private readonly partial = new IdSet();
  private readonly types: ApocPropertyTypes;

  constructor(types: ApocPropertyTypes = {}) {
    this.types = types;
  }

  /** The records of one line (already parsed). */
  records(line: unknown): ApocRecord[] {
    const nodes: ApocElement[] = [];
    const rels: ApocElement[] = [];
    if (isElement(line)) (line.type === "node" ? nodes : rels).push(line);
    else collectElements(line, nodes, rels);
    const out: ApocRecord[] = [];
    for (const node of nodes) this.addNode(node, out, false);
    for (const rel of rels) this.addRelationship(rel, out);
    return out;
  }

  private addNode(element: ApocElement, out: ApocRecord[], endpoint: boolean): void {
    const id = recordId(element.id);
    const withProperties = isObject(element.properties);
    if (!this.nodes.add(id)) {
      if (
        !endpoint &&
        withProperties &&
        this.partial.has(id) &&
        Object.keys(element.properties!).length > 0
      ) {
        throw new ApocFormatError(
          `node ${JSON.stringify(element.id)} is listed with its properties only after a relationship that refers to it`,
        );
      }
      return;
    }
    if (endpoint && !withProperties) this.partial.add(id);
    const labels = Array.isArray(element.labels) ? (element.labels as string[]) : [];
    const mappings = labels.map((label) => this.types.nodes?.[label]);
    out.push({
      kind: "node",
      record: { _id: id, _labels: labels, properties: translateProperties(element.properties, mappings) },
    });
  }

  private addRelationship(element: ApocElement, out: ApocRecord[]): void {
    const start = isObject(element.start) ? (element.start as ApocElement) : undefined;
    const end = isObject(element.end) ? (element.end as ApocElement) : undefined;
    if (!start || !end) {
      throw new ApocFormatError(`relationship ${JSON.stringify(element.id)} has no start or end node`);
    }
    for (const node of [start, end]) this.addNode(node, out, true);
    if (!this.relationships.add(recordId(element.id))) return;
    const type = element.label;
    out.push({
      kind: "relationship",
      record: {
        _id: recordId(element.id),
        _type: type as string,
        _start_id: recordId(start.id),
        _end_id: recordId(end.id),
        properties: translateProperties(element.properties, [
          typeof type === "string" ? this.types.relationships?.[type] : undefined,
        ]),
      },
    });
  }
}

function translateProperties(
  properties: unknown,
  mappings: (Record<string, ApocValueType> | undefined)[],
): Record<string, EncodedValue> {
  const out: Record<string, EncodedValue> = Object.create(null);
  if (!isObject(properties)) return out;
  for (const key of Object.keys(properties)) {
    let type: string | undefined;
    for (const mapping of mappings) {
      type = mapping?.[key];
      if (type !== undefined) break;
    }
    out[key] = translateValue(properties[key], type === undefined ? undefined : (ALIASES[type] ?? type));
  }
  return out;
}

/** One APOC property value in format 2: points and mapped strings become typed wrappers. */
function translateValue(value: unknown, type: string | undefined): EncodedValue {
  if (Array.isArray(value)) {
    // a list of floats: APOC writes NaN and ±Infinity in it as strings, which no list of strings sits beside
    const numbers = value.some((item) => typeof item === "number" || isReadNumber(item));
    return value.map((item) =>
      numbers && typeof item === "string" && NON_FINITE.has(item)
        ? { $float: item }
        : translateScalar(item, type),
    );
  }
  return translateScalar(value, type);
}

function translateScalar(value: unknown, type: string | undefined): EncodedValue {
  if (typeof value === "string") return type === undefined ? value : typedString(value, type);
  if (isObject(value) && !isReadNumber(value) && typeof value.crs === "string") return point(value);
  return value as EncodedValue;
}

/** An APOC point (`crs` and x/y/z or latitude/longitude/height, z null in 2D) as a `$point`. */
function point(value: Record<string, unknown>): EncodedValue {
  const srid = SRIDS[value.crs as string];
  if (srid === undefined) return value as EncodedValue;
  const geographic = srid === 4326 || srid === 4979;
  const x = geographic ? value.longitude : value.x;
  const y = geographic ? value.latitude : value.y;
  const z = geographic ? value.height : value.z;
  const body: Record<string, unknown> = { srid, x: coordinate(x), y: coordinate(y) };
  if (srid === 9157 || srid === 4979) body.z = coordinate(z);
  return { $point: body };
}

/** A coordinate in a `$point`: a JSON number, or float text for -0, NaN and ±Infinity. */
function coordinate(value: unknown): unknown {
  const n = isReadNumber(value) ? Number("$float" in value ? value.$float : value.$int) : value;
  if (typeof n !== "number") return n;
  return Number.isFinite(n) && !Object.is(n, -0) ? n : Object.is(n, -0) ? "-0" : String(n);
}

/** A string of a mapped property read as its type (malformed text is left to validation to report). */
function typedString(text: string, type: string): EncodedValue {
  switch (type) {
    case "Date":
      return { $date: text };
    case "LocalTime":
      return { $localtime: withSeconds(text, 0) };
    case "Time":
      return { $time: withSeconds(text, 0) };
    case "LocalDateTime":
      return { $localdatetime: withSeconds(text, text.indexOf("T") + 1) };
    case "DateTime":
      return { $datetime: withSeconds(text, text.indexOf("T") + 1) };
    case "Duration":
      return { $duration: isoDuration(text) };
    case "ByteArray":
      return { $bytes: text };
    case "Float":
      return NON_FINITE.has(text) ? { $float: text } : text;
    default:
      return text;
  }
}

/** Java writes a time without its seconds when they are zero (`14:30`); format 2 always has them. */
function withSeconds(text: string, at: number): string {
  const time = /^\d{2}:\d{2}(?!:)/.exec(text.slice(at));
  return time ? `${text.slice(0, at + 5)}:00${text.slice(at + 5)}` : text;
}

const ISO_DURATION =
  /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)W)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?)(\d+)(?:\.(\d{1,9}))?S)?)?$/;

/**
 * Neo4j's text of a duration (`P1Y2M-3DT-1.5S`, `PT4H5M6.7S`; what APOC writes) in format 2's
 * `P<months>M<days>DT<seconds>S`; text that is not one is returned as it is.
 */
function isoDuration(text: string): string {
  const m = ISO_DURATION.exec(text);
  if (!m || text === "P" || text.endsWith("T")) return text;
  const int = (part: string | undefined) => BigInt(part ?? "0");
  const months = int(m[1]) * 12n + int(m[2]);
  const days = int(m[3]) * 7n + int(m[4]);
  let nanos = (int(m[8]) * 1_000_000_000n + BigInt((m[9] ?? "").padEnd(9, "0") || "0")) * (m[7] ? -1n : 1n);
  nanos += (int(m[5]) * 3600n + int(m[6]) * 60n) * 1_000_000_000n;
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const fraction = abs % 1_000_000_000n;
  const seconds = `${negative ? "-" : ""}${abs / 1_000_000_000n}${fraction === 0n ? "" : `.${fraction.toString().padStart(9, "0")}`}`;
  return `P${months}M${days}DT${seconds}S`;
}
