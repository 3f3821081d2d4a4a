/**
 * Before writing: does the target give back, unchanged, one value of each kind the file holds? A
 * value the server normalises or refuses is reported with the record and property it was found in,
 * so that a restore is refused before its first write rather than found different afterwards.
 */
import type { Driver } from "neo4j-driver";
import { canonicalJson } from "../format/records.js";
import type { ValueSample } from "../format/value-kinds.js";
import { echoValues } from "../graph/probe.js";

/** Where a sample was found, for messages: `property "p" of data.nodes[3] (line 5, _id 7)`. */
export function describeSample(sample: ValueSample): string {
  const { location } = sample;
  const line = location.line === undefined ? "" : `line ${location.line}, `;
  return `property ${JSON.stringify(sample.property)} of ${location.path} (${line}_id ${JSON.stringify(sample.id)})`;
}

/**
 * Sends the samples through the target (read-only) and returns, in words, each one that does not
 * come back as it was sent; empty when the target holds every kind exactly.
 */
export async function valuesTheTargetChanges(
  driver: Driver,
  database: string | undefined,
  samples: readonly ValueSample[],
  target: string,
): Promise<string[]> {
  const echoed = await echoValues(
    driver,
    database,
    samples.map((s) => s.value),
  );
  const problems: string[] = [];
  echoed.forEach((back, i) => {
    const sample = samples[i]!;
    const sent = canonicalJson(sample.value);
    if ("error" in back) {
      problems.push(`${describeSample(sample)}: ${target} refuses ${sent} (${back.error})`);
    } else if (canonicalJson(back.value) !== sent) {
      problems.push(
        `${describeSample(sample)}: ${sent} comes back from ${target} as ${canonicalJson(back.value)}`,
      );
    }
  });
  return problems;
}
