/**
 * The library's progress callbacks, shown as phases of the progress display.
 */
import type { BackupProgress, RestoreProgress } from "../index.js";
import type { Progress } from "./progress.js";

/** Shows createBackup's progress: schema, nodes, relationships (counts against the totals), publishing. */
export function showBackupProgress(progress: Progress): (p: BackupProgress) => void {
  let current: BackupProgress["phase"] | undefined;
  return (p) => {
    // the first event of a new phase carries the final count of the previous one
    if (current === "nodes") progress.update(p.nodes);
    if (current === "relationships") progress.update(p.relationships);
    if (p.phase !== current) {
      current = p.phase;
      switch (p.phase) {
        case "schema":
          progress.start("Reading the schema");
          break;
        case "nodes":
          progress.start("Reading nodes", p.totalNodes, "nodes");
          break;
        case "relationships":
          progress.start("Reading relationships", p.totalRelationships, "relationships");
          break;
        case "publishing":
          progress.start("Writing the file");
          break;
        case "done":
          progress.start("Updating the index and retention");
          break;
      }
    }
    if (p.phase === "nodes") progress.update(p.nodes, p.totalNodes);
    if (p.phase === "relationships") progress.update(p.relationships, p.totalRelationships);
  };
}

const RESTORE_LABELS: Record<RestoreProgress["phase"], string> = {
  validating: "Validating the file",
  "safety-backup": "Taking a safety backup",
  clearing: "Clearing the database",
  nodes: "Writing nodes",
  relationships: "Writing relationships",
  schema: "Creating indexes and constraints",
  verifying: "Verifying",
  "rolling-back": "Putting the previous contents back",
  done: "Recording the restore",
};

/** Shows restoreBackup's progress: one phase per step, nodes and relationships against the totals. */
export function showRestoreProgress(progress: Progress): (p: RestoreProgress) => void {
  let current: RestoreProgress["phase"] | undefined;
  return (p) => {
    if (current === "nodes") progress.update(p.nodes);
    if (current === "relationships") progress.update(p.relationships);
    if (p.phase !== current) {
      current = p.phase;
      const label = RESTORE_LABELS[p.phase] ?? p.phase;
      if (p.phase === "nodes") progress.start(label, p.totalNodes, "nodes");
      else if (p.phase === "relationships") progress.start(label, p.totalRelationships, "relationships");
      else progress.start(label);
    }
    if (p.phase === "nodes") progress.update(p.nodes, p.totalNodes);
    if (p.phase === "relationships") progress.update(p.relationships, p.totalRelationships);
  };
}

/** Shows validateBackup's progress (records seen) against the counts the file's metadata announces. */
export function showValidationProgress(
  progress: Progress,
  totals: { nodes?: number; relationships?: number },
): (p: { nodes: number; relationships: number }) => void {
  progress.start("Validating nodes", totals.nodes, "nodes");
  let inRelationships = false;
  return (p) => {
    if (!inRelationships && p.relationships > 0) {
      progress.update(p.nodes);
      inRelationships = true;
      progress.start("Validating relationships", totals.relationships, "relationships");
    }
    progress.update(inRelationships ? p.relationships : p.nodes);
  };
}
