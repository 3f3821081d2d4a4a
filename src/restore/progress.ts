/** Progress of a running restore, reported by the restore pipeline and the operation around it. */

/** Progress of a running restore. */
export interface RestoreProgress {
  /** What is being done now; during `validating`, nodes and relationships count the records checked so far. */
  phase:
    | "validating"
    | "safety-backup"
    | "clearing"
    | "nodes"
    | "relationships"
    | "schema"
    | "verifying"
    | "rolling-back"
    | "done";
  /** Nodes written (or checked, while validating). */
  nodes: number;
  /** Relationships written (or checked, while validating). */
  relationships: number;
  /** Nodes in the file (known once validation is done). */
  totalNodes: number;
  /** Relationships that will be written (known once validation is done). */
  totalRelationships: number;
}

/** Holds a restore's progress and hands copies of it to a callback. */
export class ProgressReporter {
  readonly progress: RestoreProgress = {
    phase: "validating",
    nodes: 0,
    relationships: 0,
    totalNodes: 0,
    totalRelationships: 0,
  };

  constructor(private readonly onProgress?: (progress: RestoreProgress) => void) {}

  /** Reports the current progress, entering `phase` first when given. */
  report(phase?: RestoreProgress["phase"]): void {
    if (phase) this.progress.phase = phase;
    this.onProgress?.({ ...this.progress });
  }
}
