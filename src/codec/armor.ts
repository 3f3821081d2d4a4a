/**
 * age's ASCII armor (`age -a`, C2SP age spec): the binary age file in base64, 64 columns a line,
 * between `-----BEGIN AGE ENCRYPTED FILE-----` and `-----END AGE ENCRYPTED FILE-----`, with LF or
 * CRLF line ends and whitespace allowed before and after. Decoded here as a stream, so an armored
 * backup is read in bounded memory like a binary one.
 */

/** The first line of an armored age file. */
export const ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----";
/** The last line of an armored age file. */
export const ARMOR_END = "-----END AGE ENCRYPTED FILE-----";

const COLUMNS = 64;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Damage to the armor, with what is wrong. */
export class ArmorError extends Error {
  override readonly name = "ArmorError";
}

/** True when `head` (the first bytes of a file) starts, after whitespace, as an armored age file. */
export function isArmored(head: Uint8Array): boolean {
  return Buffer.from(head).toString("latin1").trimStart().startsWith(ARMOR_BEGIN);
}

/**
 * The binary age file inside an armored one, as it is read.
 * @throws ArmorError when the armor is damaged: a missing BEGIN or END line, a line that is not
 *   base64 or not 64 columns (but the last), or content after the END line.
 */
export async function* dearmor(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let pending = "";
  let state = "begin" as "begin" | "body" | "end";
  let lastShort = false;
  let line = 0;
  const take = (text: string): Buffer | undefined => {
    line++;
    const content = text.endsWith("\r") ? text.slice(0, -1) : text;
    if (state === "begin") {
      if (content.trim() === "") return undefined;
      if (content.trimStart() !== ARMOR_BEGIN) throw new ArmorError(`line ${line} is not ${ARMOR_BEGIN}`);
      state = "body";
      return undefined;
    }
    if (state === "end") {
      if (content.trim() !== "") throw new ArmorError(`content after ${ARMOR_END} at line ${line}`);
      return undefined;
    }
    if (content === ARMOR_END) {
      state = "end";
      return undefined;
    }
    if (lastShort)
      throw new ArmorError(`line ${line - 1} is shorter than ${COLUMNS} columns but not the last`);
    if (content.length > COLUMNS || content === "" || !BASE64_LINE.test(content)) {
      throw new ArmorError(`line ${line} is not a line of base64 of at most ${COLUMNS} columns`);
    }
    if (content.length < COLUMNS || content.endsWith("=")) lastShort = true;
    return Buffer.from(content, "base64");
  };
  for await (const chunk of source) {
    pending += Buffer.from(chunk).toString("latin1");
    const lines = pending.split("\n");
    pending = lines.pop()!;
    const out: Buffer[] = [];
    for (const text of lines) {
      const bytes = take(text);
      if (bytes) out.push(bytes);
    }
    if (out.length > 0) yield Buffer.concat(out);
  }
  if (pending !== "") {
    const bytes = take(pending);
    if (bytes) yield bytes;
  }
  if (state !== "end") throw new ArmorError(`the file ends without ${ARMOR_END} (cut short)`);
}
