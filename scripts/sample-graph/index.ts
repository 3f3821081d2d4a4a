/**
 * A deterministic, seeded, streaming sample-graph generator for tests, the demo and benchmarks.
 *
 * The graph models the learning system of an automation platform's scripting: `Function`, `Template`,
 * `Session` and `Pattern` nodes joined by `CO_OCCURS_WITH`, `USES` and `MATCHES`, plus (by default) special
 * content with every property type, odd shapes and names that need escaping. Every element is derived from
 * its key with a seeded PRNG, so the graph streams in bounded memory at any size.
 */
export { escapeName, labelsFragment } from "./cypher-names.js";
export {
  clearDatabase,
  countsByLabelAndType,
  detectCapabilities,
  type LoadProgress,
  type LoadResult,
  type LoadSampleGraphOptions,
  loadSampleGraph,
  type ServerCapabilities,
} from "./database.js";
export { equalValues } from "./equal-values.js";
export { expectedCounts, sampleNodeBatches, sampleRelationshipBatches } from "./generator.js";
export type { GraphCounts, SampleGraphOptions, SampleNode, SampleRelationship } from "./model.js";
export { ADVERSARIAL_NAMES, RESERVED_LOOKING_KEYS } from "./special.js";
export { type SampleCapabilities, typeSampleProperties } from "./type-samples.js";
