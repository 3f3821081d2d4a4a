/** The command's structure and its pure parts: options, error reports, secrets, exit codes. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { statusExitCode } from "../../src/cli/commands/status.js";
import { describeTarget, displayHost, redactUri } from "../../src/cli/connection.js";
import { CliContext, type CliIO } from "../../src/cli/context.js";
import { CliError, describeError } from "../../src/cli/errors.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import { buildProgram, secretsIn } from "../../src/cli/main.js";
import { parseKeep } from "../../src/cli/options.js";
import { locateBackup } from "../../src/cli/run.js";
import { BackupError } from "../../src/errors.js";

describe("the program", () => {
  it("has every command, each with --json through the global options", () => {
    const program = buildProgram();
    expect(program.commands.map((c) => c.name())).toEqual([
      "create",
      "restore",
      "recover",
      "list",
      "info",
      "verify",
      "status",
      "init",
      "copy",
      "prune",
      "check",
      "forget",
      "schedule",
      "metrics",
      "ui",
    ]);
    const globals = program.options.map((o) => o.long);
    expect(globals).toEqual(
      expect.arrayContaining(["--dir", "--json", "--quiet", "--verbose", "--no-color"]),
    );
    expect(globals).toEqual(
      expect.arrayContaining(["--storage", "--s3-endpoint", "--s3-region", "--s3-force-path-style"]),
    );
    const flags = (name: string) =>
      program.commands.find((c) => c.name() === name)!.options.map((o) => o.long);
    expect(flags("create")).toEqual(
      expect.arrayContaining(["--reason", "--auto", "--prefix", "--keep", "--uri"]),
    );
    expect(flags("schedule")).toEqual(
      expect.arrayContaining([
        "--auto",
        "--timezone",
        "--reason",
        "--keep",
        "--metrics-port",
        "--metrics-host",
        "--uri",
      ]),
    );
    expect(flags("metrics")).toEqual(
      expect.arrayContaining(["--output", "--storage-only", "--max-age", "--uri"]),
    );
    expect(flags("restore")).toEqual(
      expect.arrayContaining(["--file", "--mode", "--yes", "--dry-run", "--password"]),
    );
    expect(flags("list")).toEqual(["--detailed", "--identity"]);
    expect(flags("init")).toEqual(expect.arrayContaining(["--distribution", "--replace"]));
    const encoding = [
      "--compression",
      "--compression-level",
      "--recipient",
      "--recipients-file",
      "--passphrase",
    ];
    expect(flags("create")).toEqual(expect.arrayContaining([...encoding, "--identity"]));
    expect(flags("init")).toEqual(expect.arrayContaining([...encoding, "--identity"]));
    for (const reader of ["restore", "info", "verify", "status"]) {
      expect(flags(reader), reader).toContain("--identity");
    }
    expect(flags("copy")).toEqual(expect.arrayContaining(["--to", "--lock-timeout", "--identity"]));
    expect(flags("prune")).toEqual(["--dry-run", "--grace", "--lock-timeout"]);
    expect(flags("check")).toEqual(["--read-data", "--identity"]);
    expect(flags("ui")).toEqual(
      expect.arrayContaining(["--port", "--host", "--read-only", "--identity", "--uri", ...encoding]),
    );
  });

  it("takes connection settings from the environment variables", () => {
    const restore = buildProgram().commands.find((c) => c.name() === "restore")!;
    const env = Object.fromEntries(restore.options.filter((o) => o.envVar).map((o) => [o.long, o.envVar]));
    expect(env).toEqual({
      "--uri": "NEO4J_URI",
      "--username": "NEO4J_USERNAME",
      "--password": "NEO4J_PASSWORD",
      "--database": "NEO4J_DATABASE",
    });
  });

  it("--keep takes a whole number or all", () => {
    expect(parseKeep("3")).toBe(3);
    expect(parseKeep("all")).toBe(Number.POSITIVE_INFINITY);
    expect(() => parseKeep("0")).toThrow(/at least 1/);
    expect(() => parseKeep("two")).toThrow();
  });
});

describe("error reports", () => {
  const context = { host: "db.example.com:7687", username: "neo4j", passwordGiven: true, database: "neo4j" };

  it("maps each cause to its exit code and a remedy", () => {
    const cases: [unknown, number, RegExp][] = [
      [
        { code: "ServiceUnavailable", message: "Failed. Caused by: connect ECONNREFUSED 1.2.3.4:7687" },
        EXIT.connection,
        /cannot reach the Neo4j server at db\.example\.com:7687 \(connect ECONNREFUSED 1\.2\.3\.4:7687\)/,
      ],
      [
        { code: "Neo.ClientError.Security.Unauthorized", message: "x" },
        EXIT.connection,
        /authentication failed for user neo4j at db\.example\.com:7687/,
      ],
      [new BackupError("LOCKED", "locked by process 7"), EXIT.locked, /locked by process 7/],
      [new BackupError("VALIDATION_FAILED", "bad at line 5"), EXIT.invalid, /line 5/],
      [new BackupError("TARGET_NOT_EMPTY", "holds data"), EXIT.refused, /holds data/],
      [new BackupError("NOT_FOUND", "no such backup"), EXIT.failure, /no such backup/],
      [new BackupError("ABORTED", "aborted"), EXIT.interrupted, /aborted/],
      [
        { code: "Neo.ClientError.Database.DatabaseNotFound", message: "x" },
        EXIT.failure,
        /database neo4j does not exist/,
      ],
      [new CliError("USAGE", "bad", EXIT.usage), EXIT.usage, /bad/],
      [new Error("something else"), EXIT.failure, /something else/],
    ];
    for (const [error, exitCode, message] of cases) {
      const report = describeError(error, context);
      expect(report.exitCode, String(message)).toBe(exitCode);
      expect(report.message).toMatch(message);
    }
    expect(describeError({ code: "Neo.ClientError.Security.Unauthorized" }, context).hint).toMatch(
      /--password/,
    );
    expect(describeError(new BackupError("LOCKED", "x"), context).hint).toMatch(/--lock-timeout/);
    expect(describeError(new BackupError("TARGET_NOT_EMPTY", "x"), context).hint).toMatch(/--mode replace/);
  });

  it("says so when no password was given", () => {
    const report = describeError(
      { code: "Neo.ClientError.Security.Unauthorized" },
      { ...context, passwordGiven: false },
    );
    expect(report.message).toContain("no password was given");
    expect(report.hint).toMatch(/NEO4J_PASSWORD/);
  });

  it("takes the cause out of a wrapped driver message", () => {
    const error = new BackupError(
      "CONNECTION",
      "status: the database connection failed (Could not connect. Caused by: connect ECONNREFUSED 127.0.0.1:1)",
    );
    expect(describeError(error, context).message).toBe(
      "the connection to the Neo4j server at db.example.com:7687 failed (connect ECONNREFUSED 127.0.0.1:1)",
    );
  });
});

describe("status exit codes", () => {
  const status = (healthy: boolean, backup: boolean) =>
    statusExitCode({ health: { healthy } as never, recommendation: { backup } as never });
  it("health problems first, then a recommended backup", () => {
    expect(status(true, false)).toBe(EXIT.ok);
    expect(status(true, true)).toBe(EXIT.backupRecommended);
    expect(status(false, true)).toBe(EXIT.unhealthy);
    expect(status(false, false)).toBe(EXIT.unhealthy);
  });
});

describe("connection targets", () => {
  it("shows host and port, never credentials; URIs pass unchanged otherwise", () => {
    expect(displayHost("neo4j+s://abc.databases.neo4j.io")).toBe("abc.databases.neo4j.io");
    expect(displayHost("bolt://user:secret@db:7687")).toBe("db:7687");
    expect(displayHost("localhost:7687")).toBe("localhost:7687");
    expect(redactUri("bolt+s://user:secret@db:7687/x")).toBe("bolt+s://db:7687/x");
    expect(redactUri("neo4j://db:7687")).toBe("neo4j://db:7687");
    expect(describeTarget("db:7687", "movies")).toBe("database movies at db:7687");
    expect(describeTarget("db:7687", undefined)).toBe("the home database at db:7687");
  });
});

describe("secrets", () => {
  it("finds passwords on the command line and in the environment", () => {
    expect(
      secretsIn(
        ["node", "cli", "status", "--password", "one-secret", "--password=two-secret", "-pthree-secret"],
        {
          NEO4J_PASSWORD: "four-secret",
        },
      ).sort(),
    ).toEqual(["four-secret", "one-secret", "three-secret", "two-secret"]);
  });

  it("the context replaces them in everything it writes, errors included", () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      stdin: { on() {}, off() {}, resume() {}, pause() {} } as never,
      env: { NEO4J_PASSWORD: "env-Secret-1" },
    };
    const cli = new CliContext({ dir: "x" }, io);
    cli.addSecret("flag-Secret-2");
    cli.print("env-Secret-1 and flag-Secret-2");
    cli.fail(new Error("failed with flag-Secret-2"));
    expect(out.join("")).toBe("*** and ***\n");
    expect(err.join("")).toBe("error: failed with ***\n");
  });

  it("with --json: one document on stdout, human text suppressed, errors as JSON on stderr", () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      stdin: { on() {}, off() {}, resume() {}, pause() {} } as never,
      env: {},
    };
    const cli = new CliContext({ dir: "x", json: true }, io);
    cli.print("human");
    cli.note("note");
    cli.result({ ok: 1 });
    expect(cli.fail(new BackupError("LOCKED", "busy"))).toBe(EXIT.locked);
    expect(JSON.parse(out.join(""))).toEqual({ ok: 1 });
    expect(JSON.parse(err.join(""))).toEqual({
      code: "LOCKED",
      message: "busy",
      hint: expect.stringContaining("--lock-timeout"),
      exitCode: EXIT.locked,
    });
  });
});

describe("backup file arguments", () => {
  let folder: string;
  afterAll(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it("a plain name is in the backup folder; a path names its own folder", async () => {
    folder = await mkdtemp(join(tmpdir(), "neo4j-backup-cli-unit-"));
    await writeFile(join(folder, "a.json"), "{}");
    expect(locateBackup("a.json", folder)).toEqual({ directory: folder, name: "a.json" });
    expect(locateBackup("missing.json", folder)).toEqual({ directory: folder, name: "missing.json" });
    expect(locateBackup(join(folder, "a.json"), "/elsewhere")).toEqual({ directory: folder, name: "a.json" });
  });
});
