/**
 * Streaming reader of backup files.
 *
 * Files written by this library put every record on its own line, so the fast path splits lines
 * and runs `JSON.parse` per line. Any other valid layout of the same document (re-indented,
 * minified, keys reordered) is read by a general streaming JSON parser (stream-json). Neither path
 * ever holds more than one record (or the metadata) in memory.
 */
import { isUtf8 } from "node:buffer";
import { Readable } from "node:stream";
import Assembler from "stream-json/assembler.js";
import parser, { type Token } from "stream-json/parser.js";
import { FORMAT_NAME } from "../version.js";
import {
  NODES_OPEN as DATA_LINE,
  METADATA_PREFIX,
  RELATIONSHIPS_OPEN as RELATIONSHIPS_LINE,
  SECTION_CLOSE as SECTION_END,
  STATISTICS_PREFIX,
} from "./layout.js";

/** Where an event or a problem sits in the file. */
export interface Location {
  /** 1-based line number, when known (always on the fast path). */
  line?: number;
  /** e.g. `data.nodes[12]`, `metadata`. */
  path: string;
}

/** One event of a backup file, in document order. */
export type BackupEvent =
  | { kind: "metadata"; value: unknown; location: Location }
  | { kind: "node"; value: unknown; index: number; location: Location }
  | { kind: "relationship"; value: unknown; index: number; location: Location }
  | { kind: "statistics"; value: unknown; location: Location }
  | { kind: "end"; layout: "lines" | "general"; lines?: number };

/** Raised when the bytes are not a readable backup document; `location` says where reading stopped. */
export class BackupFormatError extends Error {
  /** Where the problem is. */
  readonly location: Location;
  constructor(message: string, location: Location) {
    super(`${message} (${location.line === undefined ? "" : `line ${location.line}, `}${location.path})`);
    this.name = "BackupFormatError";
    this.location = location;
  }
}

/** Options of {@link readBackupEvents}. */
export interface ReadOptions {
  /** Largest accepted line (fast path) in bytes; default 512 MiB. */
  maxLineBytes?: number;
  /** Aborts reading. */
  signal?: AbortSignal;
}

const NEWLINE = 0x0a;
/** How far the first line may run before the file is treated as "not line-oriented". */
const PROBE_LIMIT = 16 * 1024 * 1024;

/**
 * Reads a backup document from a byte stream and yields its parts in order.
 *
 * @throws BackupFormatError for malformed JSON, truncation, invalid UTF-8 or an unexpected structure.
 */
export async function* readBackupEvents(
  source: AsyncIterable<Uint8Array | string>,
  options: ReadOptions = {},
): AsyncGenerator<BackupEvent> {
  const maxLine = options.maxLineBytes ?? 512 * 1024 * 1024;
  const iterator = source[Symbol.asyncIterator]();
  // Probe the first line to choose the fast path; keep what was read to replay it otherwise.
  const probed: Buffer[] = [];
  let probedBytes = 0;
  let firstNewline = -1;
  let exhausted = false;
  while (firstNewline < 0 && probedBytes < PROBE_LIMIT) {
    const next = await iterator.next();
    if (next.done) {
      exhausted = true;
      break;
    }
    const chunk = toBuffer(next.value);
    const idx = chunk.indexOf(NEWLINE);
    if (idx >= 0) firstNewline = probedBytes + idx;
    probed.push(chunk);
    probedBytes += chunk.length;
  }
  const head = Buffer.concat(probed);
  const firstLine = firstNewline >= 0 ? head.subarray(0, firstNewline).toString("utf8") : "";
  const replay = async function* (): AsyncGenerator<Buffer> {
    yield head;
    if (exhausted) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield toBuffer(next.value);
    }
  };
  if (firstLine.startsWith(METADATA_PREFIX) && firstLine.trimEnd().endsWith(",")) {
    yield* readLines(replay(), maxLine, options.signal);
  } else {
    yield* readGeneral(replay(), options.signal);
  }
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Splits a byte stream into lines (without "\n"), with 1-based numbers. */
async function* splitLines(
  source: AsyncIterable<Buffer>,
  maxLine: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<[Buffer, number, boolean]> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  for await (const chunk of source) {
    if (signal?.aborted) throw signal.reason ?? new Error("aborted");
    let start = 0;
    for (;;) {
      const idx = chunk.indexOf(NEWLINE, start);
      if (idx < 0) break;
      let line = chunk.subarray(start, idx);
      if (pendingBytes > 0) {
        pending.push(line);
        line = Buffer.concat(pending);
        pending = [];
        pendingBytes = 0;
      }
      lineNo++;
      yield [line, lineNo, true];
      start = idx + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      pending.push(rest);
      pendingBytes += rest.length;
      if (pendingBytes > maxLine) {
        throw new BackupFormatError(`line longer than ${maxLine} bytes`, { line: lineNo + 1, path: "file" });
      }
    }
  }
  if (pendingBytes > 0) {
    lineNo++;
    yield [Buffer.concat(pending), lineNo, false];
  }
}

type Section = "metadata" | "data" | "nodes" | "between" | "relationships" | "statistics" | "done";

async function* readLines(
  source: AsyncIterable<Buffer>,
  maxLine: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<BackupEvent> {
  let section: Section = "metadata";
  let index = 0;
  let previousHadComma = false;
  let lastLine = 0;
  let checkFieldKeys = true;
  let unterminated = false;
  for await (const [bytes, line, terminated] of splitLines(source, maxLine, signal)) {
    lastLine = line;
    unterminated = !terminated;
    if (!isUtf8(bytes))
      throw new BackupFormatError("invalid UTF-8", { line, path: sectionPath(section, index) });
    const text = bytes.toString("utf8");
    switch (section) {
      case "metadata": {
        const body = text.trimEnd();
        const value = parseJson(body.slice(METADATA_PREFIX.length, -1), { line, path: "metadata" });
        // this library's files never repeat a key; other writers' records are checked
        checkFieldKeys = (value as { format?: unknown } | null)?.format !== FORMAT_NAME;
        yield { kind: "metadata", value, location: { line, path: "metadata" } };
        section = "data";
        break;
      }
      case "data":
        expectLine(text, DATA_LINE, { line, path: "data" });
        section = "nodes";
        index = 0;
        previousHadComma = true;
        break;
      case "nodes":
      case "relationships": {
        const trimmed = text.trimEnd();
        if (trimmed === SECTION_END || trimmed === "]," || trimmed === "]") {
          if (index > 0 && previousHadComma) {
            throw new BackupFormatError("trailing comma after the last record", {
              line: line - 1,
              path: sectionPath(section, index - 1),
            });
          }
          expectLine(text, SECTION_END, { line, path: `data.${section}` });
          section = section === "nodes" ? "between" : "statistics";
          break;
        }
        const path = sectionPath(section, index);
        if (!previousHadComma) {
          throw new BackupFormatError("missing comma between records", { line: line - 1, path });
        }
        previousHadComma = trimmed.endsWith(",");
        const body = previousHadComma ? trimmed.slice(0, -1) : trimmed;
        if (checkFieldKeys) assertNoDuplicateFields(body, { line, path });
        const value = parseJson(body, { line, path }, unterminated);
        yield section === "nodes"
          ? { kind: "node", value, index, location: { line, path } }
          : { kind: "relationship", value, index, location: { line, path } };
        index++;
        break;
      }
      case "between":
        expectLine(text, RELATIONSHIPS_LINE, { line, path: "data" });
        section = "relationships";
        index = 0;
        previousHadComma = true;
        break;
      case "statistics": {
        const trimmed = text.trimEnd();
        const location = { line, path: "data.statistics" };
        if (!trimmed.startsWith(STATISTICS_PREFIX) || !trimmed.endsWith("}}}")) {
          if (unterminated) throw new BackupFormatError("the file ends early (truncated)", location);
          throw new BackupFormatError("expected the statistics line", location);
        }
        const value = parseJson(trimmed.slice(STATISTICS_PREFIX.length, -2), location, unterminated);
        yield { kind: "statistics", value, location };
        section = "done";
        break;
      }
      case "done":
        if (text.trim() !== "") {
          throw new BackupFormatError("unexpected content after the end of the document", {
            line,
            path: "file",
          });
        }
    }
  }
  if (section !== "done") {
    throw new BackupFormatError("the file ends early (truncated)", {
      line: lastLine,
      path: sectionPath(section, index),
    });
  }
  yield { kind: "end", layout: "lines", lines: lastLine };
}

const FIELD_KEY = /(?<!\\)"(_id|_labels|_type|_start_id|_end_id|properties)"\s*:/g;

/** Record fields may appear once; JSON.parse would silently keep only the last. */
function assertNoDuplicateFields(text: string, location: Location): void {
  const seen = new Set<string>();
  for (const match of text.matchAll(FIELD_KEY)) {
    if (seen.has(match[1]!))
      throw new BackupFormatError(`duplicate key ${JSON.stringify(match[1])}`, location);
    seen.add(match[1]!);
  }
}

function sectionPath(section: Section, index: number): string {
  if (section === "nodes" || section === "relationships") return `data.${section}[${index}]`;
  if (section === "statistics") return "data.statistics";
  if (section === "metadata") return "metadata";
  return "data";
}

function expectLine(text: string, expected: string, location: Location): void {
  if (text.trimEnd() !== expected) {
    const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    throw new BackupFormatError(
      `expected ${JSON.stringify(expected)} but found ${JSON.stringify(shown)}`,
      location,
    );
  }
}

function parseJson(text: string, location: Location, lastUnterminated = false): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // a last line without its newline that does not parse is where the file was cut off
    if (lastUnterminated) throw new BackupFormatError("the file ends early (truncated)", location);
    throw new BackupFormatError(`invalid JSON: ${(error as Error).message}`, location);
  }
}

// ---------------------------------------------------------------- general layout (stream-json)

type Target = "metadata" | "statistics" | "node" | "relationship";

/**
 * Reads any valid JSON layout of the document with stream-json, tracking the path so that each
 * record of `data.nodes` / `data.relationships` is assembled alone.
 */
// biome-ignore lint/complexity/noExcessiveLinesPerFunction: the general-layout parser's token state machine, kept in one place
async function* readGeneral(
  source: AsyncIterable<Buffer>,
  signal: AbortSignal | undefined,
): AsyncGenerator<BackupEvent> {
  const tokenizer = parser.asStream({ packValues: true, streamValues: false });
  // lines fed to the parser so far: exact at the end of the input, so truncation gets a line number
  let lines = 1;
  let ended = false;
  const counted = async function* () {
    for await (const chunk of source) {
      for (let i = chunk.indexOf(NEWLINE); i >= 0; i = chunk.indexOf(NEWLINE, i + 1)) lines++;
      yield chunk;
    }
    ended = true;
  };
  const tokens = Readable.from(counted()).pipe(tokenizer);
  // stack of container frames: for objects the current key, for arrays the element count
  const stack: { type: "object" | "array"; key: string | null; count: number }[] = [];
  let assembler: Assembler | null = null;
  let assemblerDepth = 0;
  let target: Target | null = null;
  let targetIndex = 0;
  const counts = { node: 0, relationship: 0 };
  const seen = new Set<string>();
  const keys = new Set<string>();
  let finished = false;

  const pathOf = (): string[] =>
    stack.map((frame) => (frame.type === "object" ? (frame.key ?? "") : String(frame.count)));

  try {
    for await (const raw of tokens as AsyncIterable<Token>) {
      if (signal?.aborted) throw signal.reason ?? new Error("aborted");
      const token = raw;
      if (assembler) {
        if (token.name === "keyValue" && assemblerDepth === 1) {
          // JSON.parse would keep the last of two equal keys: in a record that silently loses data
          // (in version-1 files a property named like a record field collides with it)
          const key = token.value ?? "";
          if (keys.has(key)) {
            throw new BackupFormatError(`duplicate key ${JSON.stringify(key)}`, {
              path: describeTarget(target!, targetIndex),
            });
          }
          keys.add(key);
        }
        assembler.consume(token);
        if (token.name === "startObject" || token.name === "startArray") assemblerDepth++;
        else if (token.name === "endObject" || token.name === "endArray") assemblerDepth--;
        if (assemblerDepth === 0) {
          const value = assembler.current;
          assembler = null;
          const location = { path: describeTarget(target!, targetIndex) };
          if (target === "metadata" || target === "statistics") yield { kind: target, value, location };
          else yield { kind: target!, value, index: targetIndex, location };
          target = null;
          afterValue(stack);
        }
        continue;
      }
      switch (token.name) {
        case "startObject":
        case "startArray": {
          const path = pathOf();
          const joined = path.join(".");
          const top = stack[stack.length - 1];
          let start: Target | null = null;
          if (joined === "metadata" && token.name === "startObject") start = "metadata";
          else if (joined === "data.statistics" && token.name === "startObject") start = "statistics";
          else if (top?.type === "array" && path.length === 3 && path[0] === "data") {
            if (path[1] === "nodes") start = "node";
            else if (path[1] === "relationships") start = "relationship";
          }
          if (start) {
            if (start === "metadata" || start === "statistics") {
              if (seen.has(start)) throw new BackupFormatError(`duplicate ${start}`, { path: joined });
              seen.add(start);
            }
            target = start;
            targetIndex = start === "node" || start === "relationship" ? counts[start]++ : 0;
            assembler = new Assembler();
            assembler.consume(token);
            assemblerDepth = 1;
            keys.clear();
            break;
          }
          checkContainer(path, token.name === "startArray");
          stack.push({ type: token.name === "startObject" ? "object" : "array", key: null, count: 0 });
          break;
        }
        case "endObject":
        case "endArray":
          stack.pop();
          afterValue(stack);
          if (stack.length === 0) finished = true;
          break;
        case "keyValue":
          stack[stack.length - 1]!.key = token.value ?? "";
          break;
        case "stringValue":
        case "numberValue":
        case "nullValue":
        case "trueValue":
        case "falseValue":
          throw new BackupFormatError(`unexpected ${token.name.replace("Value", "")} value`, {
            path: pathOf().join(".") || "document",
          });
        default:
          break;
      }
    }
  } catch (error) {
    if (error instanceof BackupFormatError) throw error;
    if (signal?.aborted) throw error;
    throw new BackupFormatError(`invalid JSON: ${(error as Error).message}`, {
      ...(ended ? { line: lines } : {}),
      path: target ? describeTarget(target, targetIndex) : pathOf().join(".") || "document",
    });
  }
  if (!finished || assembler) {
    throw new BackupFormatError("the file ends early (truncated)", {
      line: lines,
      path: target ? describeTarget(target, targetIndex) : pathOf().join(".") || "document",
    });
  }
  yield { kind: "end", layout: "general" };
}

function describeTarget(target: string, index: number): string {
  if (target === "node") return `data.nodes[${index}]`;
  if (target === "relationship") return `data.relationships[${index}]`;
  return target === "metadata" ? "metadata" : "data.statistics";
}

function afterValue(stack: { type: "object" | "array"; key: string | null; count: number }[]): void {
  const top = stack[stack.length - 1];
  if (!top) return;
  if (top.type === "array") top.count++;
  else top.key = null;
}

/** Only the document's own containers may appear outside records. */
function checkContainer(path: string[], isArray: boolean): void {
  const joined = path.join(".");
  const ok =
    (joined === "" && !isArray) ||
    (joined === "data" && !isArray) ||
    ((joined === "data.nodes" || joined === "data.relationships") && isArray);
  if (!ok)
    throw new BackupFormatError(`unexpected ${isArray ? "array" : "object"}`, { path: joined || "document" });
}
