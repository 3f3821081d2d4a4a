/**
 * The day's change of the snapshot benchmark: a fraction of the graph's nodes changed as property
 * updates, deletions and creations, chosen by one of two models.
 *
 * Of the c = round(change × nodes) changed nodes of a day, 70 % are updated (`SET n.revision =
 * coalesce(n.revision, 0) + 1`), 15 % deleted with their relationships (`DETACH DELETE`) and 15 %
 * created: new `Session` nodes, each with `USES` relationships to 3 existing `Function` nodes
 * chosen at random (so the graph stays about the same size).
 *
 * - `uniform`: the updated and deleted nodes are drawn uniformly at random from all nodes.
 * - `clustered`: they are one run of consecutive node ids starting at a random place — the updates
 *   first, the deletions right after them — as a batch job touching one range of records would; the
 *   creations are the same as in `uniform`.
 *
 * A backup lists nodes in id order, so a run of consecutive ids is a run of consecutive records in the
 * file. Relationships are listed in their own id order, which has nothing to do with their nodes': the
 * relationships a deletion removes are spread over the relationship section in both models.
 */
import neo4j, { type Driver } from "neo4j-driver";
import { SeededRandom } from "../scripts/sample-graph/random.js";

/** The change models. */
export const CHANGE_MODELS = ["uniform", "clustered"] as const;
export type ChangeModel = (typeof CHANGE_MODELS)[number];

/** What the description of each model says, for the report. */
export const MODEL_DESCRIPTIONS: Record<ChangeModel, string> = {
  uniform: "updated and deleted nodes drawn uniformly at random from all nodes",
  clustered:
    "updated and deleted nodes are one run of consecutive node ids (updates, then deletions) starting at a random node",
};

/** Shares of the changed nodes. */
const UPDATE_SHARE = 0.7;
const DELETE_SHARE = 0.15;
/** Relationships of each created node. */
const RELATIONSHIPS_PER_CREATED = 3;
const BATCH = 5000;

/** What one day's change did. */
export interface AppliedChange {
  updated: number;
  deleted: number;
  created: number;
  relationshipsCreated: number;
  relationshipsDeleted: number;
  ms: number;
}

/** A day's choice of nodes. */
interface Plan {
  update: number[];
  delete: number[];
  create: number;
}

/** The ids of all nodes, ascending, and of the Function nodes. */
async function nodeIds(driver: Driver): Promise<{ all: number[]; functions: number[] }> {
  const { records } = await driver.executeQuery("MATCH (n) RETURN id(n) AS id, n:Function AS function");
  const all: number[] = [];
  const functions: number[] = [];
  for (const r of records) {
    const id = neo4j.integer.toNumber(r.get("id"));
    all.push(id);
    if (r.get("function")) functions.push(id);
  }
  all.sort((a, b) => a - b);
  return { all, functions };
}

/** `k` distinct elements of `items` drawn uniformly (partial Fisher–Yates on a copy). */
function sample(items: readonly number[], k: number, rng: SeededRandom): number[] {
  const copy = [...items];
  const n = Math.min(k, copy.length);
  for (let i = 0; i < n; i++) {
    const j = i + rng.below(copy.length - i);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

function plan(model: ChangeModel, ids: readonly number[], changed: number, rng: SeededRandom): Plan {
  const updates = Math.round(changed * UPDATE_SHARE);
  const deletes = Math.round(changed * DELETE_SHARE);
  const create = changed - updates - deletes;
  const touched =
    model === "uniform"
      ? sample(ids, updates + deletes, rng)
      : (() => {
          const start = rng.below(Math.max(1, ids.length - updates - deletes));
          return ids.slice(start, start + updates + deletes);
        })();
  return { update: touched.slice(0, updates), delete: touched.slice(updates), create };
}

async function inBatches<T>(items: readonly T[], run: (batch: T[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) await run(items.slice(i, i + BATCH));
}

/** Node ids as Cypher integers (a float parameter would not be an id seek). */
const asIds = (ids: readonly number[]) => ids.map((id) => neo4j.int(id));

/**
 * Applies one day's change of `model` to the graph: `change` (a fraction) of its nodes. `seed` and
 * `day` choose the nodes, so the same graph and arguments make the same change.
 */
export async function applyChange(
  driver: Driver,
  model: ChangeModel,
  change: number,
  seed: number,
  day: number,
): Promise<AppliedChange> {
  const started = performance.now();
  const rng = new SeededRandom(seed, CHANGE_MODELS.indexOf(model) + 10, day);
  const { all, functions } = await nodeIds(driver);
  const p = plan(model, all, Math.round(change * all.length), rng);
  const result: AppliedChange = {
    updated: 0,
    deleted: 0,
    created: 0,
    relationshipsCreated: 0,
    relationshipsDeleted: 0,
    ms: 0,
  };
  await inBatches(p.update, async (ids) => {
    const r = await driver.executeQuery(
      "UNWIND $ids AS id MATCH (n) WHERE id(n) = id SET n.revision = coalesce(n.revision, 0) + 1",
      { ids: asIds(ids) },
    );
    result.updated += r.summary.counters.updates().propertiesSet;
  });
  await inBatches(p.delete, async (ids) => {
    const r = await driver.executeQuery("UNWIND $ids AS id MATCH (n) WHERE id(n) = id DETACH DELETE n", {
      ids: asIds(ids),
    });
    result.deleted += r.summary.counters.updates().nodesDeleted;
    result.relationshipsDeleted += r.summary.counters.updates().relationshipsDeleted;
  });
  const deleted = new Set(p.delete);
  const targets = functions.filter((id) => !deleted.has(id));
  const rows = Array.from({ length: p.create }, (_, i) => ({
    session_id: `day-${day}-${i}-${rng.next().toString(16)}`,
    seconds: rng.below(4 * 3600),
    uses: asIds(Array.from({ length: RELATIONSHIPS_PER_CREATED }, () => rng.pick(targets))),
  }));
  await inBatches(rows, async (batch) => {
    const r = await driver.executeQuery(
      "UNWIND $rows AS row CREATE (s:Session {session_id: row.session_id, started_at: datetime(), " +
        "duration: duration({seconds: row.seconds})}) " +
        "WITH s, row UNWIND row.uses AS target MATCH (f) WHERE id(f) = target CREATE (s)-[:USES {count: 1}]->(f)",
      { rows: batch },
    );
    result.created += r.summary.counters.updates().nodesCreated;
    result.relationshipsCreated += r.summary.counters.updates().relationshipsCreated;
  });
  result.ms = performance.now() - started;
  return result;
}
