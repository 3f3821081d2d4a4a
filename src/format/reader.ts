/**
 * Streaming reader of backup files.
 *
 * Files written by this library put every record on its own line, so the fast path splits lines
 * and runs `JSON.parse` per line (a line whose numbers JSON.parse would misread — `1.0`, an exponent,
 * sixteen digits or more, Python's NaN — is read by the exact parser instead). Any other valid
 * layout of the same document (re-indented, minified, keys reordered, the original version-1 files
 * of the Python application) is read by a streaming tokenizer that reads numbers from their text.
 * APOC's JSON-lines exports are read line by line and translated into the same records. No path
 * ever holds more than one record (or the metadata) in memory, and every path closes its source
 * when reading stops, at the end, on an error, or when the caller stops early.
 */
import { constants as bufferConstants, isUtf8 } from "node:buffer";
import { BackupError } from "../errors.js";
import { FORMAT_NAME } from "../version.js";
import { ApocFormatError, type ApocPropertyTypes, ApocTranslator, isApocLine } from "./apoc.js";
import { JsonSyntaxError, type JsonToken, JsonTokenizer } from "./json-tokens.js";
import { exactNumber, JsonAssembler, parseJsonExact, plainNumber } from "./json-values.js";
import {
  NODES_OPEN as DATA_LINE,
  METADATA_PREFIX,
  RELATIONSHIPS_OPEN as RELATIONSHIPS_LINE,
  SECTION_CLOSE as SECTION_END,
  STATISTICS_PREFIX,
} from "./layout.js";

/** Where an event or a problem sits in the file. */
export interface Location {
  /** 1-based line number, when known (always for records and sections). */
  line?: number;
  /** e.g. `data.nodes[12]`, `metadata`; in an APOC export `nodes[12]`. */
  path: string;
}

/** How a file was read: this library's line layout, any other JSON layout, or an APOC export. */
export type ReadLayout = "lines" | "general" | "apoc";

/** One event of a backup file, in document order. */
export type BackupEvent =
  | { kind: "metadata"; value: unknown; location: Location }
  | { kind: "node"; value: unknown; index: number; location: Location }
  | { kind: "relationship"; value: unknown; index: number; location: Location }
  | { kind: "statistics"; value: unknown; location: Location }
  | { kind: "end"; layout: ReadLayout; lines?: number };

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
  /**
   * Largest accepted line in bytes where a file is read line by line (this library's layout, APOC's
   * JSON lines); default {@link DEFAULT_MAX_LINE_BYTES}. A longer line is an error that names it.
   * At most `buffer.constants.MAX_STRING_LENGTH` (a line is decoded into one string).
   */
  maxLineBytes?: number;
  /** Types of the strings of an APOC export (temporal values, byte arrays, NaN); see docs/format.md. */
  apocPropertyTypes?: ApocPropertyTypes;
  /** Aborts reading. */
  signal?: AbortSignal;
}

/** The default {@link ReadOptions.maxLineBytes}: 256 MiB, well within V8's longest string (just under 512 MiB). */
export const DEFAULT_MAX_LINE_BYTES = 256 * 1024 * 1024;

const NEWLINE = 0x0a;
/** How far the first line may run before the file is treated as "not line-oriented". */
const PROBE_LIMIT = 16 * 1024 * 1024;

/** What the operations that read a file take of {@link ReadOptions}: how the file is read. */
export type FileReadOptions = Pick<ReadOptions, "maxLineBytes" | "apocPropertyTypes">;

/**
 * The reader's options from an operation's options, checked before anything is read.
 * @throws BackupError `INVALID_OPTIONS` for a maxLineBytes the reader cannot take.
 */
export function fileReadOptions(options: FileReadOptions & { signal?: AbortSignal }): ReadOptions {
  try {
    return {
      maxLineBytes: checkMaxLineBytes(options.maxLineBytes),
      apocPropertyTypes: options.apocPropertyTypes,
      signal: options.signal,
    };
  } catch (error) {
    throw new BackupError("INVALID_OPTIONS", (error as Error).message);
  }
}

/** The accepted maxLineBytes, or a RangeError that says what is accepted. */
export function checkMaxLineBytes(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_LINE_BYTES;
  const limit = bufferConstants.MAX_STRING_LENGTH;
  if (!Number.isSafeInteger(value) || value < 1 || value > limit) {
    throw new RangeError(
      `maxLineBytes must be a whole number of bytes from 1 to ${limit}, not ${String(value)}`,
    );
  }
  return value;
}

/**
 * Reads a backup document from a byte stream and yields its parts in order. Stopping early (a
 * `break` out of `for await`, `return()`, an abort) closes the source; so does an error.
 *
 * @throws BackupFormatError for malformed JSON, truncation, invalid UTF-8, a line longer than
 *   `maxLineBytes` or an unexpected structure; RangeError for an invalid `maxLineBytes`.
 */
export async function* readBackupEvents(
  source: AsyncIterable<Uint8Array | string>,
  options: ReadOptions = {},
): AsyncGenerator<BackupEvent> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    const maxLine = checkMaxLineBytes(options.maxLineBytes);
    const { head, firstLine, exhausted } = await probeFirstLine(iterator);
    const replay = async function* (): AsyncGenerator<Buffer> {
      yield head;
      if (exhausted) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield toBuffer(next.value);
      }
    };
    const layout = detectLayout(firstLine);
    if (layout === "lines") yield* readLines(replay(), maxLine, options.signal);
    else if (layout === "apoc") {
      yield* readApoc(replay(), maxLine, options.signal, new ApocTranslator(options.apocPropertyTypes));
    } else yield* readGeneral(replay(), options.signal);
  } finally {
    await closeSource(iterator);
  }
}

/** Ends a source that was not read to its end (a stream is destroyed); errors of closing are not the reader's. */
async function closeSource(iterator: AsyncIterator<unknown>): Promise<void> {
  try {
    await iterator.return?.();
  } catch {
    // the source failed while closing: what was read stands, and a read error was already raised
  }
}

/** Reads up to the first newline (or {@link PROBE_LIMIT}); a UTF-8 byte order mark is dropped. */
async function probeFirstLine(
  iterator: AsyncIterator<Uint8Array | string>,
): Promise<{ head: Buffer; firstLine: string | null; exhausted: boolean }> {
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
  let head = Buffer.concat(probed);
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  head = head.subarray(bom);
  const end = firstNewline >= 0 ? firstNewline - bom : exhausted ? head.length : -1;
  return { head, firstLine: end >= 0 ? head.subarray(0, end).toString("utf8") : null, exhausted };
}

/** This library's line layout from its first line; an APOC export from an element or query row. */
function detectLayout(firstLine: string | null): ReadLayout {
  if (firstLine === null) return "general";
  if (firstLine.startsWith(METADATA_PREFIX) && firstLine.trimEnd().endsWith(",")) return "lines";
  const text = firstLine.trim();
  if (!text.startsWith("{") || text.startsWith(METADATA_PREFIX) || text.startsWith('{"data":'))
    return "general";
  try {
    return isApocLine(parseJsonExact(text)) ? "apoc" : "general";
  } catch {
    return "general";
  }
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** A line longer than the limit, named by its number. */
function tooLong(maxLine: number, line: number): BackupFormatError {
  return new BackupFormatError(
    `line ${line} is longer than ${maxLine} bytes, the most maxLineBytes lets a line be (a line is read into one string); pass a larger maxLineBytes to read it`,
    { line, path: "file" },
  );
}

/**
 * Splits a byte stream into lines (without "\n"), with 1-based numbers and whether each ended with
 * a newline; a line longer than `maxLine` bytes fails with a {@link BackupFormatError} naming it.
 */
export async function* splitLines(
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
      if (line.length > maxLine) throw tooLong(maxLine, lineNo);
      yield [line, lineNo, true];
      start = idx + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      pending.push(rest);
      pendingBytes += rest.length;
      if (pendingBytes > maxLine) throw tooLong(maxLine, lineNo + 1);
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
  /** Whether the file comes from another writer (this library's never repeats a key or writes an ambiguous number). */
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
        // this library's files never repeat a key, and never write a number JSON.parse would misread
        // (integral floats, large integers and NaN are typed wrappers); other writers' records are checked
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
        const value = parseRecord(body, { line, path }, unterminated, true, checkFieldKeys);
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

/**
 * Number texts that JSON.parse reads differently from what they say: a fraction of zeros (`1.0`,
 * `-0.0`), an exponent, or sixteen digits and more before the point (beyond 2^53), each where a
 * value starts (after `:`, `,` or `[`). Lines without any are read by
 * JSON.parse (fast and the same); the rest — and lines with Python's NaN, which JSON.parse refuses —
 * by the exact parser. A match inside a string only costs the slower parse.
 */
const AMBIGUOUS_NUMBER = /[:,[]\s*-?(?:\d+\.0+(?!\d)|\d+(?:\.\d+)?[eE]|\d{16})/;

/**
 * A line's JSON with its numbers read from their text (see {@link exactNumber}): in a backup record
 * where it holds property values, in an APOC line everywhere. `screen` false skips looking for
 * ambiguous numbers (a line of this library's writer has none): JSON.parse reads it exactly.
 */
function parseRecord(
  text: string,
  location: Location,
  lastUnterminated: boolean,
  record: boolean,
  screen = true,
): unknown {
  if (!screen || !AMBIGUOUS_NUMBER.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // NaN or ±Infinity, or not JSON: the exact parser decides and words the problem
    }
  }
  try {
    return parseJsonExact(text, record);
  } catch (error) {
    if (lastUnterminated) throw new BackupFormatError("the file ends early (truncated)", location);
    // JSON.parse words the problem with its position in the line
    let message = (error as Error).message;
    try {
      JSON.parse(text);
    } catch (parseError) {
      message = (parseError as Error).message;
    }
    throw new BackupFormatError(`invalid JSON: ${message}`, location);
  }
}

// ---------------------------------------------------------------- APOC exports (JSON lines)

/** Reads an APOC export line by line; its elements become node and relationship events. */
async function* readApoc(
  source: AsyncIterable<Buffer>,
  maxLine: number,
  signal: AbortSignal | undefined,
  translator: ApocTranslator,
): AsyncGenerator<BackupEvent> {
  const counts = { node: 0, relationship: 0 };
  let lastLine = 0;
  for await (const [bytes, line, terminated] of splitLines(source, maxLine, signal)) {
    lastLine = line;
    const location = { line, path: `line ${line}` };
    if (!isUtf8(bytes)) throw new BackupFormatError("invalid UTF-8", location);
    const text = bytes.toString("utf8").trim();
    if (text === "") continue;
    const value = parseRecord(text, location, !terminated, false);
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new BackupFormatError("expected an APOC node, relationship or query row", location);
    }
    let records: ReturnType<ApocTranslator["records"]>;
    try {
      records = translator.records(value);
    } catch (error) {
      if (error instanceof ApocFormatError) throw new BackupFormatError(error.message, location);
      throw error;
    }
    for (const { kind, record } of records) {
      const index = counts[kind]++;
      const at = { line, path: `${kind === "node" ? "nodes" : "relationships"}[${index}]` };
      yield kind === "node"
        ? { kind, value: record, index, location: at }
        : { kind, value: record, index, location: at };
    }
  }
  yield { kind: "end", layout: "apoc", lines: lastLine };
}

// ---------------------------------------------------------------- general layout

type Target = "metadata" | "statistics" | "node" | "relationship";

/** Characters decoded and tokenized at a time: a chunk of any size is taken in pieces of this many bytes. */
const GENERAL_PIECE = 1 << 16;

/**
 * Reads any valid JSON layout of the document with the streaming tokenizer, tracking the path so
 * that each record of `data.nodes` / `data.relationships` is assembled alone, its numbers read
 * from their text.
 */
// biome-ignore lint/complexity/noExcessiveLinesPerFunction: the general-layout parser's token state machine, kept in one place
async function* readGeneral(
  source: AsyncIterable<Buffer>,
  signal: AbortSignal | undefined,
): AsyncGenerator<BackupEvent> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const tokenizer = new JsonTokenizer();
  // stack of container frames: for objects the current key, for arrays the element count
  const stack: { type: "object" | "array"; key: string | null; count: number }[] = [];
  let assembler: JsonAssembler | null = null;
  let assemblerDepth = 0;
  let target: Target | null = null;
  let targetIndex = 0;
  let targetLine = 0;
  const counts = { node: 0, relationship: 0 };
  const seen = new Set<string>();
  const keys = new Set<string>();
  let finished = false;

  const pathOf = (): string[] =>
    stack.map((frame) => (frame.type === "object" ? (frame.key ?? "") : String(frame.count)));
  const where = (): string =>
    target ? describeTarget(target, targetIndex) : pathOf().join(".") || "document";

  /** Takes one token; returns the event it completes, if any. */
  const take = (token: JsonToken): BackupEvent | undefined => {
    if (assembler) {
      if (token.name === "keyValue" && assemblerDepth === 1) {
        // JSON.parse would keep the last of two equal keys: in a record that silently loses data
        // (in version-1 files a property named like a record field collides with it)
        const key = token.value;
        if (keys.has(key)) {
          throw new BackupFormatError(`duplicate key ${JSON.stringify(key)}`, {
            line: targetLine,
            path: describeTarget(target!, targetIndex),
          });
        }
        keys.add(key);
      }
      assembler.consume(token);
      if (token.name === "startObject" || token.name === "startArray") assemblerDepth++;
      else if (token.name === "endObject" || token.name === "endArray") assemblerDepth--;
      if (assemblerDepth > 0) return undefined;
      const value = assembler.value;
      assembler = null;
      const location = { line: targetLine, path: describeTarget(target!, targetIndex) };
      const kind = target!;
      target = null;
      afterValue(stack);
      if (kind === "metadata" || kind === "statistics") return { kind, value, location };
      return { kind, value, index: targetIndex, location };
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
            if (seen.has(start))
              throw new BackupFormatError(`duplicate ${start}`, { line: token.line, path: joined });
            seen.add(start);
          }
          target = start;
          targetIndex = start === "node" || start === "relationship" ? counts[start]++ : 0;
          targetLine = token.line;
          // numbers that are property values are read from their text; elsewhere counts and sizes
          const isRecord = start === "node" || start === "relationship";
          assembler = new JsonAssembler(isRecord ? exactNumber : plainNumber, isRecord);
          assembler.consume(token);
          assemblerDepth = 1;
          keys.clear();
          break;
        }
        checkContainer(path, token.name === "startArray", token.line);
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
        stack[stack.length - 1]!.key = token.value;
        break;
      default:
        throw new BackupFormatError(`unexpected ${token.name.replace("Value", "")} value`, {
          path: pathOf().join(".") || "document",
        });
    }
    return undefined;
  };

  const tokens: JsonToken[] = [];
  try {
    for await (const chunk of source) {
      for (let at = 0; at < chunk.length; at += GENERAL_PIECE) {
        if (signal?.aborted) throw signal.reason ?? new Error("aborted");
        tokens.length = 0;
        tokenizer.feed(decoder.decode(chunk.subarray(at, at + GENERAL_PIECE), { stream: true }), tokens);
        for (const token of tokens) {
          const event = take(token);
          if (event) yield event;
        }
      }
    }
    tokens.length = 0;
    tokenizer.feed(decoder.decode(), tokens);
    tokenizer.end(tokens);
    for (const token of tokens) {
      const event = take(token);
      if (event) yield event;
    }
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      const message = error.truncated ? "the file ends early (truncated)" : `invalid JSON: ${error.message}`;
      throw new BackupFormatError(message, { line: error.line, path: where() });
    }
    if ((error as { code?: unknown }).code === "ERR_ENCODING_INVALID_ENCODED_DATA") {
      throw new BackupFormatError("invalid UTF-8", { line: tokenizer.line, path: where() });
    }
    throw error;
  }
  if (!finished || assembler) {
    throw new BackupFormatError("the file ends early (truncated)", { line: tokenizer.line, path: where() });
  }
  yield { kind: "end", layout: "general", lines: tokenizer.line };
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
function checkContainer(path: string[], isArray: boolean, line: number): void {
  const joined = path.join(".");
  const ok =
    (joined === "" && !isArray) ||
    (joined === "data" && !isArray) ||
    ((joined === "data.nodes" || joined === "data.relationships") && isArray);
  if (!ok)
    throw new BackupFormatError(`unexpected ${isArray ? "array" : "object"}`, {
      line,
      path: joined || "document",
    });
}
