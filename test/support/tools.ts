/**
 * Command-line tools some tests run (age, zstd, tmux…). Where they are missing those tests are
 * skipped on a developer's machine; under `.ci/run` (which installs them and sets
 * NEO4J_BACKUP_REQUIRE_TOOLS=1) a missing tool fails the run instead, so CI never passes by skipping.
 */
import { spawnSync } from "node:child_process";

/** True when every tool is on PATH; throws under NEO4J_BACKUP_REQUIRE_TOOLS=1 when one is missing. */
export function haveTools(...names: string[]): boolean {
  const missing = names.filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);
  if (missing.length && process.env.NEO4J_BACKUP_REQUIRE_TOOLS === "1") {
    throw new Error(
      `tests need ${missing.join(", ")} on PATH (Debian: apt-get install ${missing.join(" ")})`,
    );
  }
  return missing.length === 0;
}
