#!/usr/bin/env node
// Prints the failed tests of vitest JSON reports (written with --reporter=json --outputFile.json=…):
// file, test name, duration and the first lines of each failure message. `.ci/run` calls it at the
// end, so the failures stand next to the timing table instead of hundreds of lines above it.
//
//   node scripts/test-failures.mjs <report.json> [<report.json> ...]
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";

const MESSAGE_LINES = 12;

for (const path of process.argv.slice(2)) {
  if (!existsSync(path)) continue;
  let report;
  try {
    report = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    console.log(`${path}: not a complete report (${error.message})`);
    continue;
  }
  const failed = [];
  for (const file of report.testResults ?? []) {
    const name = relative(process.cwd(), file.name);
    const tests = (file.assertionResults ?? []).filter((test) => test.status === "failed");
    for (const test of tests) failed.push({ name, test });
    // a file that failed outside any test (an import error, a hook) has a message of its own
    if (tests.length === 0 && file.status === "failed" && file.message) {
      failed.push({ name, test: { fullName: "(the file itself)", failureMessages: [file.message] } });
    }
  }
  console.log(`${path}: ${report.numFailedTests ?? 0} of ${report.numTotalTests ?? 0} tests failed`);
  for (const { name, test } of failed) {
    const took = typeof test.duration === "number" ? ` (${(test.duration / 1000).toFixed(1)} s)` : "";
    console.log(`\n✗ ${name} › ${test.fullName}${took}`);
    for (const message of test.failureMessages ?? []) {
      const lines = message.split("\n").slice(0, MESSAGE_LINES);
      for (const line of lines) console.log(`    ${line}`);
    }
  }
}
