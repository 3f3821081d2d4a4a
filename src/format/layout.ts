/**
 * The line layout of a backup file. Every structural piece and every record sits on its own line,
 * so the file is one JSON document that can also be read line by line:
 *
 * ```
 * {"metadata":{…},
 * "data":{"nodes":[
 * {…node…},
 * {…node…}
 * ],
 * "relationships":[
 * {…relationship…}
 * ],
 * "statistics":{…}}}
 * ```
 */

/** Starts the document; the metadata object is on the same line. */
export const METADATA_PREFIX = '{"metadata":';
/** The line opening the data object and its node array. */
export const NODES_OPEN = '"data":{"nodes":[';
/** The line closing a record array. */
export const SECTION_CLOSE = "],";
/** The line opening the relationship array. */
export const RELATIONSHIPS_OPEN = '"relationships":[';
/** Starts the last line; the statistics object follows, then `}}}`. */
export const STATISTICS_PREFIX = '"statistics":';

/** The first line of a file, with its newline. */
export function metadataLine(metadata: unknown): string {
  return `${METADATA_PREFIX}${JSON.stringify(metadata)},\n`;
}

/** The last line of a file, with its newline. */
export function statisticsLine(statistics: unknown): string {
  return `${STATISTICS_PREFIX}${JSON.stringify(statistics)}}}\n`;
}

/**
 * Renders a whole document from record lines — for small files (tests, examples). Large files are
 * written by streaming the same pieces.
 */
export function renderDocument(
  metadata: unknown,
  nodeLines: string[],
  relationshipLines: string[],
  statistics: unknown,
): string {
  const section = (lines: string[]) => (lines.length ? `\n${lines.join(",\n")}\n` : "\n");
  return `${metadataLine(metadata)}${NODES_OPEN}${section(nodeLines)}${SECTION_CLOSE}\n${RELATIONSHIPS_OPEN}${section(relationshipLines)}${SECTION_CLOSE}\n${statisticsLine(statistics)}`;
}
