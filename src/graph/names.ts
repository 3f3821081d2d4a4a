/**
 * Escaping of identifiers (labels, relationship types, property keys, index and constraint names)
 * that reach Cypher text. Values never do: they always travel as parameters.
 */

/** Quotes a name as a Cypher identifier: backticks around it, inner backticks doubled. */
export function escapeIdentifier(name: string): string {
  if (typeof name !== "string" || name.length === 0)
    throw new TypeError("an identifier must be a non-empty string");
  if (name.includes("\u0000")) throw new TypeError("an identifier cannot contain NUL");
  return `\`${name.replaceAll("`", "``")}\``;
}

/** `:A:B` for a set of labels (empty string for none). */
export function labelFragment(labels: readonly string[]): string {
  return labels.map((l) => `:${escapeIdentifier(l)}`).join("");
}

/** `A|B` for a list of labels or types, as used by fulltext indexes. */
export function alternatives(names: readonly string[]): string {
  return names.map(escapeIdentifier).join("|");
}
