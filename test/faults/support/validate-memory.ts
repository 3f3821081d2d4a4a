/**
 * Validates one backup file in a process of its own and reports the memory that took: the peak
 * resident set size (the kernel's maxrss) after the modules are loaded and warmed up, and at the
 * end. Prints one JSON line.
 *
 *   node --import tsx validate-memory.ts <directory> <name>
 */
import { FileSystemStorage, validateBackup } from "../../../src/index.js";
import { buildDocument, chunks } from "../../support/documents.js";

const [directory, name] = process.argv.slice(2);
// warm up: load and run everything once on a small file, so the baseline includes the code
await validateBackup({ source: chunks(buildDocument(), 4096) });
globalThis.gc?.();
const baselineKb = process.resourceUsage().maxRSS;
const rssBeforeKb = Math.round(process.memoryUsage().rss / 1024);
const report = await validateBackup({
  storage: new FileSystemStorage({ directory: directory! }),
  name: name!,
});
const peakKb = process.resourceUsage().maxRSS;
process.stdout.write(
  `${JSON.stringify({
    valid: report.valid,
    nodes: report.nodeCount,
    firstProblem: report.problems[0] ?? null,
    baselineMb: Math.round(Math.max(baselineKb, rssBeforeKb) / 1024),
    peakMb: Math.round(peakKb / 1024),
  })}\n`,
);
