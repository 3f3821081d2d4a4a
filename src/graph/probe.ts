/**
 * Asking a server, before anything is written, whether it gives values back as they were sent: a
 * read-only `RETURN $values`. A server that normalises a value on the way in (a newer release
 * storing a WGS-84 longitude of -0.0 as 0.0, say) or refuses it shows it here.
 */
import neo4j, { type Driver } from "neo4j-driver";
import { decodeValue, type EncodedValue, encodeValue } from "../format/values.js";

/** What the server made of one value: its encoding as it came back, or why it refused it. */
export type EchoedValue = { value: EncodedValue } | { error: string };

const ECHO = "RETURN $values AS values";

async function echo(driver: Driver, database: string | undefined, values: unknown[]): Promise<unknown[]> {
  const { records } = await driver.executeQuery(ECHO, { values }, { database, routing: neo4j.routing.READ });
  return records[0]!.get("values") as unknown[];
}

/** Values sent in one query: a file can hold thousands of kinds (one per zone id, say). */
const ECHO_BATCH = 500;

/**
 * Sends encoded values to the server (decoded for the driver) and returns what came back, encoded
 * again, in the same order — every value, in batches of 500. When the server refuses a batch, each
 * of its values is sent alone to find the ones it refuses.
 */
export async function echoValues(
  driver: Driver,
  database: string | undefined,
  values: readonly EncodedValue[],
): Promise<EchoedValue[]> {
  const out: EchoedValue[] = [];
  for (let start = 0; start < values.length; start += ECHO_BATCH) {
    const batch = values.slice(start, start + ECHO_BATCH);
    const decoded = batch.map((v, i) => decodeValue(v, `value ${start + i}`));
    out.push(...(await echoBatch(driver, database, decoded)));
  }
  return out;
}

async function echoBatch(
  driver: Driver,
  database: string | undefined,
  decoded: unknown[],
): Promise<EchoedValue[]> {
  try {
    const back = await echo(driver, database, decoded);
    return back.map((v) => ({ value: encodeValue(v) }));
  } catch {
    // one value (or more) the server does not take: ask about each alone
  }
  const out: EchoedValue[] = [];
  for (const value of decoded) {
    try {
      const [back] = await echo(driver, database, [value]);
      out.push({ value: encodeValue(back) });
    } catch (error) {
      // only the server refusing the value is an answer; a lost connection is not
      if (!String((error as { code?: unknown }).code ?? "").startsWith("Neo.ClientError")) throw error;
      out.push({ error: (error as Error).message.split("\n")[0]! });
    }
  }
  return out;
}
