/**
 * The content fingerprint of a live database (format/fingerprint.ts) computed on read worker
 * threads (parallel-read.ts): the workers read id ranges and hash their records — the costly part:
 * decoding, encoding the properties, serialising and hashing them — and this thread only adds the
 * sums up and mixes each relationship's hash with its end nodes'. The fingerprint is a sum, so it
 * is the same as one read on one thread.
 */
import type { Driver } from "neo4j-driver";
import { type Fingerprint, FingerprintBuilder } from "../format/fingerprint.js";
import { type ParallelReadOptions, planRangeRead, ReadWorkers } from "./parallel-read.js";
import { GraphReader } from "./read-graph.js";
import { readChangeMarker } from "./server.js";

/**
 * Fingerprints `database` on worker threads; undefined (logged) when it must be read on this
 * thread after all: the database does not say its identity, or its ids are sparse.
 * @throws BackupError as {@link ReadWorkers.start} and the workers report.
 */
export async function fingerprintOnWorkers(
  driver: Driver,
  database: string | undefined,
  parallel: ParallelReadOptions,
  /** Where it says which way it reads (a logger's `info`). */
  log?: (fields: object, message: string) => void,
  signal?: AbortSignal,
): Promise<Fingerprint | undefined> {
  const reader = await GraphReader.open(driver, { database, signal });
  try {
    await reader.begin();
    const name = reader.server.database;
    const plan = await planRangeRead(reader, await readChangeMarker(driver, name));
    if ("why" in plan) {
      log?.({ database: name, why: plan.why }, "fingerprint reads on one thread");
      return undefined;
    }
    const { highest } = plan;
    const workers = await ReadWorkers.start(parallel, name, plan.identity, undefined);
    try {
      log?.({ database: name }, "fingerprint reads on worker threads");
      const builder = new FingerprintBuilder();
      await workers.read(
        "nodes",
        highest.node,
        async ({ ids, nodeHashes }) => builder.addNodeSums(nodeHashes!.sums, ids!, nodeHashes!.hashes),
        signal,
        "hashes",
      );
      await workers.read(
        "relationships",
        highest.relationship,
        async ({ relationshipHashes }) => {
          const { ends, inners, types } = relationshipHashes!;
          for (let i = 0; i < types.length; i++)
            builder.addRelationshipInner(types[i]!, ends[2 * i]!, ends[2 * i + 1]!, inners[i]!);
        },
        signal,
        "hashes",
      );
      await workers.close();
      await reader.commit();
      return builder.result();
    } finally {
      await workers.terminate();
    }
  } finally {
    await reader.close();
  }
}
