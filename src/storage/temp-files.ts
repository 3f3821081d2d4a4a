/**
 * Names of temporary files that say who wrote them — process id and a tag of the host — so that
 * the files a killed writer left behind can be told from those of a writer still at work: a file
 * of a process that is gone from this host is an orphan at once; any other only once it is old.
 */
import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";

/** Eight hex digits naming this host (a hash: host names may hold any character). */
export function hostTag(host = hostname()): string {
  return createHash("sha256").update(host).digest("hex").slice(0, 8);
}

/** `<prefix><pid>-<host tag>-<random><suffix>`: a new, unique temporary file name of this process. */
export function ownedTempName(prefix: string, suffix: string): string {
  return `${prefix}${process.pid}-${hostTag()}-${randomBytes(6).toString("hex")}${suffix}`;
}

/** The writer a temporary file name records, or undefined for names without one. */
export function tempFileOwner(name: string): { pid: number; hostTag: string } | undefined {
  const match = /(?:^|[.-])(\d+)-([0-9a-f]{8})-[0-9a-f]{12}\.[a-z]+$/.exec(name);
  return match ? { pid: Number(match[1]), hostTag: match[2]! } : undefined;
}

/** Whether process `pid` of this host is running (a process of another user counts as running). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether a temporary file is an orphan: written by a process that is gone from this host, or
 * (another host's, or a name that does not say) older than `maxAgeMs`.
 */
export function isOrphanTempFile(name: string, ageMs: number, maxAgeMs: number): boolean {
  const owner = tempFileOwner(name);
  if (owner && owner.hostTag === hostTag() && owner.pid !== process.pid && !processAlive(owner.pid))
    return true;
  return ageMs > maxAgeMs;
}
