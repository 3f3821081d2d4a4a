/**
 * Escaping of labels, relationship types and property keys for Cypher text: the library's own
 * escaping, under the names the sample graph uses. Values always travel as parameters.
 */
import { escapeIdentifier, labelFragment } from "../../src/graph/names.js";

/** Quotes a label, relationship type or property key as a Cypher identifier (backticks doubled inside). */
export const escapeName: (name: string) => string = escapeIdentifier;

/** The label part of a node pattern (`:A:B`, or "" for no labels), every label escaped. */
export const labelsFragment: (labels: readonly string[]) => string = labelFragment;
