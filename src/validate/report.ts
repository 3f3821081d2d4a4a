/**
 * The validation report and how problems are added to it: at most `maxProblems` listed, the rest
 * counted; zod issues of property values explained by the value codec.
 */
import type { z } from "zod";
import type { Fingerprint } from "../format/fingerprint.js";
import type { Location, ReadLayout } from "../format/reader.js";
import type { ValueSample } from "../format/value-kinds.js";
import { decodeValue, type EncodedValue, ValueCodecError } from "../format/values.js";

/** One problem found in a file. */
export interface ValidationProblem {
  /** `error` makes the file invalid; `warning` is informational (e.g. a v1 value read best-effort). */
  severity: "error" | "warning";
  /**
   * Stable code, e.g. `SCHEMA`, `DUPLICATE_ID`, `DANGLING_RELATIONSHIP`, `COUNT_MISMATCH`,
   * `CHECKSUM`, `UNPROTECTED` (no metadata checksum: a warning, an error when strict).
   */
  code: string;
  /** What is wrong, in words. */
  message: string;
  /**
   * Where: line (when known) and path such as `data.nodes[12].properties.age`; the path is empty
   * for damage below the JSON (a broken compressed stream or a changed ciphertext, `CORRUPT`).
   */
  location: Location;
}

/** The result of {@link validateBackup}. */
export interface ValidationReport {
  /** True when no problem of severity `error` was found. */
  valid: boolean;
  /** 2 for files of this library, 1 for the original layout, null when unknown (and for APOC exports, which have none). */
  formatVersion: 1 | 2 | null;
  /**
   * How the file was read: line by line (this library's layout), by the general parser (any other
   * layout of the document, version-1 files), or as an APOC export; null when it could not be read.
   */
  layout: ReadLayout | null;
  /** The metadata object as found in the file (unvalidated when invalid). */
  metadata: Record<string, unknown> | null;
  /** Records actually present. */
  nodeCount: number;
  /** Relationships actually present. */
  relationshipCount: number;
  /** Nodes per label, as counted. */
  labelCounts: Record<string, number>;
  /** Relationships per type, as counted. */
  relationshipTypeCounts: Record<string, number>;
  /** Relationships whose start or end node is not in the file. */
  danglingRelationships: number;
  /** True when the relationship array comes before the node array (readable, but not restorable as it streams). */
  relationshipsFirst: boolean;
  /** Whether any property holds a VECTOR value (the target must support them). */
  usesVectors: boolean;
  /** The checksum computed over the content (format 2 only). */
  checksum: string | null;
  /**
   * The checksum computed over the metadata (format 2 only). Checked against
   * `statistics.metadata_checksum` when the file has one; files written before it existed do not.
   */
  metadataChecksum: string | null;
  /**
   * The content fingerprint of the file, when asked for with `fingerprint: true` (see verifyBackup);
   * absent when the relationships come before the nodes (a relationship's hash needs its end nodes').
   */
  fingerprint?: Fingerprint;
  /** The first value of each kind a server might not hold exactly, when asked for with `sampleValues: true`. */
  valueSamples?: ValueSample[];
  /** Problems, at most `maxProblems` of them. */
  problems: ValidationProblem[];
  /** How many further problems were found but not listed. */
  omittedProblems: number;
}

/** Collects problems into a {@link ValidationReport}. */
export class ReportBuilder {
  readonly report: ValidationReport = {
    valid: true,
    formatVersion: null,
    layout: null,
    metadata: null,
    nodeCount: 0,
    relationshipCount: 0,
    labelCounts: {},
    relationshipTypeCounts: {},
    danglingRelationships: 0,
    usesVectors: false,
    relationshipsFirst: false,
    checksum: null,
    metadataChecksum: null,
    problems: [],
    omittedProblems: 0,
  };
  constructor(private readonly maxProblems: number) {}

  add(severity: "error" | "warning", code: string, message: string, location: Location): void {
    if (severity === "error") this.report.valid = false;
    if (this.report.problems.length < this.maxProblems) {
      this.report.problems.push({ severity, code, message, location });
    } else {
      this.report.omittedProblems++;
    }
  }

  zod(error: z.ZodError, location: Location, value?: unknown): void {
    for (const issue of error.issues.slice(0, 5)) {
      const sub = issue.path.length ? `${location.path}.${issue.path.join(".")}` : location.path;
      this.add("error", "SCHEMA", explainIssue(issue, value), { ...location, path: sub });
    }
  }
}

/** A property value that fails the schema is explained by the value codec, which says what is wrong. */
function explainIssue(issue: z.core.$ZodIssue, value: unknown): string {
  const [field, key] = issue.path;
  if (field !== "properties" || typeof key !== "string" || value === null || typeof value !== "object") {
    return issue.message;
  }
  const properties = (value as { properties?: unknown }).properties;
  if (!properties || typeof properties !== "object") return issue.message;
  try {
    decodeValue((properties as Record<string, unknown>)[key] as EncodedValue, key);
  } catch (error) {
    if (error instanceof ValueCodecError) return error.message;
  }
  return issue.message;
}
