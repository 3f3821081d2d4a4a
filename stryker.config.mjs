// Mutation testing (StrykerJS): `npm run test:mutation`; see "Mutation testing" in docs/development.md.
// By default the pure parts of the format, validation and verification, against the unit tests.
// MUTATION_SERVERS=1 adds the integration tests (they start Neo4j servers in each test runner
// process, so run it with --concurrency 1) and the recovery of interrupted operations.
const withServers = process.env.MUTATION_SERVERS === "1";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate: [
    "src/format/**/*.ts",
    "src/validate/**/*.ts",
    "src/verify/**/*.ts",
    ...(withServers ? ["src/operations/recover*.ts"] : []),
    "!src/**/index.ts",
  ],
  coverageAnalysis: "perTest",
  // a mutant in code run at import time is covered by no test in particular: it would need the
  // whole unit project once per mutant (minutes each on two cores)
  ignoreStatic: true,
  concurrency: withServers ? 1 : 2,
  incremental: true,
  incrementalFile: withServers
    ? "reports/stryker-incremental-servers.json"
    : "reports/stryker-incremental.json",
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  // a mutant that loops is stopped this long (plus 1.5 times the tests' own time) after its tests began
  timeoutMS: withServers ? 600_000 : 10_000,
  tempDirName: ".stryker-tmp",
};
