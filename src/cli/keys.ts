/**
 * Compression and encryption on the command line: `--compression`, `--compression-level`,
 * `--recipient`, `--recipients-file`, `--passphrase` for commands that write backups; `--identity`
 * for commands that read them; the passphrase from NEO4J_BACKUP_PASSPHRASE or asked for without
 * echo on a terminal. Every key and passphrase read is registered as a secret of the command, so it
 * never reaches an output line.
 */
import { readFile } from "node:fs/promises";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { BackupStorage, DecryptionOptions, EncodingOptions } from "../index.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import { readSecret } from "./prompt.js";

/** The environment variable that carries a passphrase. */
export const PASSPHRASE_ENV = "NEO4J_BACKUP_PASSPHRASE";

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** `--compression-level`: a whole number. */
function parseLevel(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError("expected a whole number");
  return Number(value);
}

/** Adds the options that choose how a new backup is compressed and encrypted. */
export function addEncodingOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--compression <kind>", "compress the backup (.json.gz, .json.zst); default none")
        .choices(["none", "gzip", "zstd"])
        .default(undefined),
    )
    .addOption(
      new Option("--compression-level <n>", "gzip 1-9 (default 6), zstd 1-19 (default 3)").argParser(
        parseLevel,
      ),
    )
    .addOption(
      new Option("--recipient <age1…>", "encrypt to this age recipient (repeatable)").argParser(collect),
    )
    .addOption(
      new Option(
        "--recipients-file <path>",
        "encrypt to the age recipients in this file (repeatable)",
      ).argParser(collect),
    )
    .option("--passphrase", `encrypt with a passphrase: ${PASSPHRASE_ENV}, or asked for on a terminal`);
}

/** Adds `--identity <file>` (repeatable): age identity files that open encrypted backups. */
export function addIdentityOption(command: Command): Command {
  return command.addOption(
    new Option(
      "-i, --identity <file>",
      `age identity file that opens encrypted backups (repeatable); a passphrase comes from ${PASSPHRASE_ENV} or the terminal`,
    ).argParser(collect),
  );
}

/** Lines of a keys file without comments and blank lines. */
function keyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

async function readKeyFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(
      "USAGE",
      `cannot read the ${what} file ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      EXIT.usage,
    );
  }
}

/** The passphrase from the environment, or (when asked to) from the terminal; registered as a secret. */
async function passphrase(cli: CliContext, ask: "never" | "once" | "twice"): Promise<string | undefined> {
  const fromEnv = cli.io.env[PASSPHRASE_ENV];
  if (fromEnv) {
    cli.addSecret(fromEnv);
    return fromEnv;
  }
  if (ask === "never") return undefined;
  if (!cli.canPrompt()) {
    throw new CliError(
      "USAGE",
      "a passphrase is needed and there is no terminal to ask for it",
      EXIT.usage,
      `set ${PASSPHRASE_ENV}`,
    );
  }
  const streams = { input: cli.io.stdin, output: cli.io.stderr };
  const value = await readSecret("Passphrase: ", streams);
  if (value === "") throw new CliError("USAGE", "the passphrase is empty", EXIT.usage);
  cli.addSecret(value);
  if (ask === "twice" && (await readSecret("Passphrase again: ", streams)) !== value) {
    throw new CliError("USAGE", "the two passphrases differ", EXIT.usage);
  }
  return value;
}

/** How `create` and `init --distribution` encode the new backup. */
export async function encodingFrom(cli: CliContext, opts: Record<string, unknown>): Promise<EncodingOptions> {
  const encoding: EncodingOptions = {};
  if (typeof opts.compression === "string")
    encoding.compression = opts.compression as "none" | "gzip" | "zstd";
  if (typeof opts.compressionLevel === "number") encoding.compressionLevel = opts.compressionLevel;
  const recipients = [...((opts.recipient as string[] | undefined) ?? [])];
  for (const path of (opts.recipientsFile as string[] | undefined) ?? []) {
    recipients.push(...keyLines(await readKeyFile(path, "recipients")));
  }
  if (opts.passphrase === true) {
    if (recipients.length > 0) {
      throw new CliError("USAGE", "encrypt to recipients or with --passphrase, not both", EXIT.usage);
    }
    encoding.encryption = { passphrase: await passphrase(cli, "twice") };
  } else if (recipients.length > 0) {
    encoding.encryption = { recipients };
  }
  return encoding;
}

/** The keys that open encrypted backups: `--identity` files and the passphrase in the environment. */
export async function decryptionFrom(
  cli: CliContext,
  opts: Record<string, unknown>,
): Promise<DecryptionOptions> {
  const identities: string[] = [];
  for (const path of (opts.identity as string[] | undefined) ?? []) {
    const lines = keyLines(await readKeyFile(path, "identity"));
    for (const line of lines) cli.addSecret(line);
    identities.push(...lines);
  }
  const fromEnv = await passphrase(cli, "never");
  return { ...(identities.length ? { identities } : {}), ...(fromEnv ? { passphrase: fromEnv } : {}) };
}

/**
 * The keys for reading `name`: `decryption` as given — unless the backup is encrypted with a
 * passphrase and none was given, and there is a terminal to ask for it on.
 */
export async function keysFor(
  cli: CliContext,
  storage: BackupStorage,
  name: string,
  decryption: DecryptionOptions,
): Promise<DecryptionOptions> {
  const lib = await import("../index.js");
  if (!lib.backupLayers(name).encrypted || decryption.passphrase !== undefined || !cli.canPrompt()) {
    return decryption;
  }
  try {
    // opening reads the header only: enough to know which key it needs
    const bytes = await lib.openBackupBytes(storage, name, decryption);
    await (bytes as AsyncGenerator<Uint8Array>).return?.(undefined);
    return decryption;
  } catch (error) {
    const e = error as { code?: unknown; details?: { passphrase?: unknown } };
    if (e?.code !== "KEY_REQUIRED" || e.details?.passphrase !== true) return decryption;
    return { ...decryption, passphrase: await passphrase(cli, "once") };
  }
}
