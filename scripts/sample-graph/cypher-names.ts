/**
 * Escaping of labels, relationship types and property keys for Cypher text.
 *
 * Values always travel as parameters; only names (which Cypher cannot parameterise on 5.x) are spliced into
 * query text, and always through {@link escapeName}.
 */

/**
 * Quotes a label, relationship type or property key as a Cypher identifier: wrapped in backticks, with every
 * backtick inside doubled, so any string (spaces, dots, keywords, Unicode, backticks) is taken literally.
 */
export function escapeName(name: string): string {
  if (name.length === 0) throw new Error("escapeName: Neo4j names cannot be empty");
  return `\`${name.replaceAll("`", "``")}\``;
}

/** The label part of a node pattern (`:A:B`, or "" for no labels), every label escaped. */
export function labelsFragment(labels: readonly string[]): string {
  return labels.map((label) => `:${escapeName(label)}`).join("");
}
