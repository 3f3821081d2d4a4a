/**
 * The domain part of the sample graph: scripting functions of an automation platform, script templates,
 * recorded sessions and mined patterns.
 *
 * Nodes are laid out in contiguous key ranges per kind (Function, Template, Session, Pattern) and
 * relationships in contiguous ranges per type, so every count is arithmetic and every element is derived from
 * its key alone with a PRNG seeded by (seed, stream, key).
 */
import { DateTime, Duration, int } from "neo4j-driver";
import type { SampleNode, SampleRelationship } from "./model.js";
import { hash3, mix32, SeededRandom } from "./random.js";

/** PRNG streams, so that nodes and relationships of the same key draw unrelated numbers. */
const STREAM_NODE = 1;
const STREAM_RELATIONSHIP = 2;
const STREAM_NAMES = 3;

/** A contiguous range of keys holding one kind of node or type of relationship. */
export interface KeyRange<K extends string> {
  readonly name: K;
  readonly start: number;
  readonly count: number;
}

export type NodeKind = "Function" | "Template" | "Session" | "Pattern";
export type DomainType = "CO_OCCURS_WITH" | "USES" | "MATCHES";

/** Key ranges of the domain nodes and relationships for one set of options. */
export interface DomainLayout {
  readonly seed: number;
  readonly nodes: number;
  readonly relationships: number;
  readonly kinds: Readonly<Record<NodeKind, KeyRange<NodeKind>>>;
  readonly types: Readonly<Record<DomainType, KeyRange<DomainType>>>;
}

/** Splits `total` by weights: floors for all but the last, which takes the remainder. */
function split<K extends string>(
  total: number,
  parts: ReadonlyArray<readonly [K, number]>,
): Record<K, number> {
  const weight = parts.reduce((sum, [, w]) => sum + w, 0);
  const counts = {} as Record<K, number>;
  let left = total;
  parts.forEach(([name, w], i) => {
    const count = i === parts.length - 1 ? left : Math.floor((total * w) / weight);
    counts[name] = count;
    left -= count;
  });
  return counts;
}

function ranges<K extends string>(
  order: readonly K[],
  counts: Partial<Record<K, number>>,
): Record<K, KeyRange<K>> {
  const result = {} as Record<K, KeyRange<K>>;
  let start = 0;
  for (const name of order) {
    const count = counts[name] ?? 0;
    result[name] = { name, start, count };
    start += count;
  }
  return result;
}

/** Computes the domain layout; `nodes` and the derived relationship count are validated by the caller. */
export function domainLayout(seed: number, nodes: number, relationshipsPerNode: number): DomainLayout {
  const functions = Math.ceil(nodes * 0.4);
  const templates = Math.floor(nodes * 0.2);
  const patterns = Math.floor(nodes * 0.1);
  const sessions = nodes - functions - templates - patterns;
  const kinds = ranges<NodeKind>(["Function", "Template", "Session", "Pattern"], {
    Function: functions,
    Template: templates,
    Session: sessions,
    Pattern: patterns,
  });
  // Only types whose endpoints exist get relationships (matters for tiny graphs only).
  const possible: Array<readonly [DomainType, number]> = [];
  if (functions >= 2) possible.push(["CO_OCCURS_WITH", 0.4]);
  if (functions >= 1 && templates + sessions >= 1) possible.push(["USES", 0.45]);
  if (patterns >= 1 && functions + templates >= 1) possible.push(["MATCHES", 0.15]);
  const relationships = possible.length === 0 ? 0 : Math.round(nodes * relationshipsPerNode);
  const types = ranges<DomainType>(["CO_OCCURS_WITH", "USES", "MATCHES"], split(relationships, possible));
  return { seed, nodes, relationships, kinds, types };
}

const MODULES = [
  "tag",
  "db",
  "util",
  "perspective",
  "alarm",
  "date",
  "dataset",
  "file",
  "net",
  "opc",
  "gui",
  "report",
  "security",
  "user",
  "device",
  "historian",
] as const;
const VERBS = [
  "read",
  "write",
  "get",
  "set",
  "query",
  "browse",
  "configure",
  "run",
  "create",
  "delete",
  "export",
  "import",
  "send",
  "invoke",
  "format",
  "parse",
] as const;
const NOUNS = [
  "Blocking",
  "Async",
  "Value",
  "Values",
  "Config",
  "Status",
  "History",
  "Data",
  "Logger",
  "Message",
  "Query",
  "Update",
  "Tags",
  "Users",
  "Events",
  "Properties",
] as const;
const NAME_COMBINATIONS = MODULES.length * VERBS.length * NOUNS.length;
const PARAMETER_NAMES = [
  "tagPaths",
  "values",
  "timeout",
  "database",
  "query",
  "params",
  "path",
  "callback",
  "payload",
  "scope",
  "filter",
  "provider",
] as const;
const SNIPPETS = [
  "logger.info(str(result))",
  "if result is None:\n    return",
  "for row in result:\n    total += row[0]",
  "time.sleep(0.1)",
  "payload = {'ok': True}",
] as const;

/** 2023-01-01T00:00:00Z, the start of the window all generated timestamps fall in. */
const EPOCH_2023 = 1_672_531_200;
const TWO_YEARS = 2 * 365 * 24 * 3600;

/** A DateTime with a fixed offset (not a zone id) from epoch seconds, as the server will return it. */
function offsetDateTime(epochSecond: number, nanosecond: number, offsetSeconds: number): DateTime<number> {
  const local = new globalThis.Date((epochSecond + offsetSeconds) * 1000);
  return new DateTime(
    local.getUTCFullYear(),
    local.getUTCMonth() + 1,
    local.getUTCDate(),
    local.getUTCHours(),
    local.getUTCMinutes(),
    local.getUTCSeconds(),
    nanosecond,
    offsetSeconds,
  );
}

/** UTC offsets of the generated timestamps (UTC twice as likely). */
const OFFSETS = [0, 0, 3600, 7200, -18000, 19800] as const;
const FLAVOURS = ["blocking", "asynchronous", "scoped", "gateway-only"] as const;

function randomTimestamp(rng: SeededRandom): DateTime<number> {
  const offset = rng.pick(OFFSETS);
  return offsetDateTime(EPOCH_2023 + rng.below(TWO_YEARS), rng.below(1_000_000_000), offset);
}

/** The unique name of the Function with the given ordinal (0-based within the Function range). */
export function functionName(seed: number, ordinal: number): string {
  // An odd multiplier permutes the power-of-two combination space, so neighbours get unrelated names while
  // each run of NAME_COMBINATIONS ordinals still uses every combination exactly once.
  const offset = hash3(seed, STREAM_NAMES, 0) % NAME_COMBINATIONS;
  const combination = (((ordinal % NAME_COMBINATIONS) * 1237 + offset) % NAME_COMBINATIONS) | 0;
  const generation = Math.floor(ordinal / NAME_COMBINATIONS);
  const module = MODULES[combination % MODULES.length]!;
  const verb = VERBS[Math.floor(combination / MODULES.length) % VERBS.length]!;
  const noun = NOUNS[Math.floor(combination / (MODULES.length * VERBS.length))]!;
  return `system.${module}.${verb}${noun}${generation === 0 ? "" : `V${generation + 1}`}`;
}

function hex(value: number, digits: number): string {
  return value
    .toString(16)
    .padStart(8, "0")
    .slice(8 - digits);
}

/** Skewed choice in [0, count): low ordinals are picked far more often, so some nodes become dense hubs. */
function skewed(rng: SeededRandom, count: number): number {
  const u = rng.float();
  return Math.floor(u * u * count);
}

const LABELS: Readonly<Record<NodeKind, readonly string[]>> = {
  Function: Object.freeze(["Function"]),
  Template: Object.freeze(["Template"]),
  Session: Object.freeze(["Session"]),
  Pattern: Object.freeze(["Pattern"]),
};

/** The domain node with key `key` (which must lie in `range`, the key range of its kind). */
export function domainNode(layout: DomainLayout, range: KeyRange<NodeKind>, key: number): SampleNode {
  const { seed } = layout;
  const rng = new SeededRandom(seed, STREAM_NODE, key);
  const ordinal = key - range.start;
  let properties: Record<string, unknown>;
  switch (range.name) {
    case "Function": {
      const name = functionName(seed, ordinal);
      const [, category] = name.split(".");
      const parameters: string[] = [];
      for (let n = rng.below(5); n > 0; n--) parameters.push(rng.pick(PARAMETER_NAMES));
      const u = rng.float();
      properties = {
        name,
        category,
        description: `${name.slice(name.lastIndexOf(".") + 1)}: ${rng.pick(FLAVOURS)} helper of the ${category} module.`,
        usage_count: int(Math.floor(u * u * u * 1_000_000)),
        parameters,
        deprecated: rng.chance(0.05),
      };
      break;
    }
    case "Template": {
      const functions = layout.kinds.Function;
      const lines = [`# Template ${ordinal}`, "def run(params):"];
      for (let n = 1 + rng.below(4); n > 0; n--) {
        const called = functions.count > 0 ? functionName(seed, skewed(rng, functions.count)) : "print";
        lines.push(`    result = ${called}(params)`, `    ${rng.pick(SNIPPETS).replaceAll("\n", "\n    ")}`);
      }
      lines.push("    return result", "");
      properties = {
        name: `template-${ordinal}-${rng.pick(VERBS)}`,
        body: lines.join("\n"),
        created_at: randomTimestamp(rng),
      };
      break;
    }
    case "Session": {
      // mix32 is a bijection, so the first group is unique per ordinal; the rest only looks random.
      const unique = mix32((ordinal ^ hash3(seed, STREAM_NAMES, 1)) >>> 0);
      properties = {
        session_id: `${hex(unique, 8)}-${hex(rng.next(), 4)}-4${hex(rng.next(), 3)}-${hex(rng.next(), 4)}-${hex(rng.next(), 8)}${hex(rng.next(), 4)}`,
        started_at: randomTimestamp(rng),
        duration: new Duration(0, 0, rng.below(4 * 3600), rng.below(1_000_000_000)),
      };
      break;
    }
    case "Pattern": {
      properties = {
        name: `pattern-${ordinal}: ${rng.pick(VERBS)} then ${rng.pick(VERBS)}`,
        confidence: rng.float(),
        frequency: int(1 + rng.below(10_000)),
      };
      break;
    }
  }
  return { key, labels: LABELS[range.name], properties };
}

/** The domain relationship with key `key` (which must lie in `range`, the key range of its type). */
export function domainRelationship(
  layout: DomainLayout,
  range: KeyRange<DomainType>,
  key: number,
): SampleRelationship {
  const rng = new SeededRandom(layout.seed, STREAM_RELATIONSHIP, key);
  const { Function: functions, Template: templates, Pattern: patterns } = layout.kinds;
  switch (range.name) {
    case "CO_OCCURS_WITH": {
      const start = skewed(rng, functions.count);
      // Never a self-loop: the end is one of the other functions.
      const end = (start + 1 + rng.below(functions.count - 1)) % functions.count;
      const support = rng.float() * 0.2;
      return {
        key,
        type: range.name,
        start: functions.start + start,
        end: functions.start + end,
        properties: { confidence: rng.float(), support, created_at: randomTimestamp(rng) },
      };
    }
    case "USES": {
      // Templates and Sessions are adjacent ranges; so are Functions and Templates (for MATCHES).
      const users = templates.count + layout.kinds.Session.count;
      return {
        key,
        type: range.name,
        start: templates.start + rng.below(users),
        end: functions.start + skewed(rng, functions.count),
        properties: { count: int(1 + skewed(rng, 50)) },
      };
    }
    case "MATCHES":
      return {
        key,
        type: range.name,
        start: patterns.start + rng.below(patterns.count),
        end: functions.start + skewed(rng, functions.count + templates.count),
        properties: {},
      };
  }
}
