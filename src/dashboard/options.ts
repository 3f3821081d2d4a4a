/** The dashboard's options, the handle it returns, and what its status answer holds. */
import type { Driver } from "neo4j-driver";
import type {
  AutoBackupThresholds,
  BackupStatus,
  BackupStorage,
  DecryptionOptions,
  EncodingOptions,
  Logger,
  SnapshotStorageUse,
} from "../index.js";

/** Options of {@link startDashboard}. */
export interface DashboardOptions extends EncodingOptions {
  /** A neo4j-driver Driver, owned by the caller (not closed by the dashboard). */
  driver: Driver;
  /** The backups the page manages. */
  storage: BackupStorage;
  /** The database shown, backed up and restored into; default the user's home database. */
  database?: string;
  /** Address to listen on; default `127.0.0.1` (this machine only). */
  host?: string;
  /** Port to listen on; default 0 (a free port, named in `url`). */
  port?: number;
  /** Without create and restore: the server refuses them and the page does not offer them. */
  readOnly?: boolean;
  /** Keys for encrypted backups (they stay in this process; the page never sees them). */
  decryption?: DecryptionOptions;
  /** File name prefix of the backups the page creates; default `neo4j_backup`. */
  prefix?: string;
  /** Backups with that prefix to keep when the page creates one (see createBackup); default 1. */
  keep?: number;
  /** Thresholds of the status's recommendation (see backupStatus). */
  thresholds?: Partial<AutoBackupThresholds>;
  /** Age of the newest backup that counts as a health problem; default 7 days. */
  maxAgeDays?: number;
  /** How long a create or restore waits for another process's storage lock; default 30 minutes. */
  lockTimeoutMs?: number;
  logger?: Logger;
  /**
   * The next run of a backup schedule, when one is set: the status answer then carries it as
   * `nextScheduledRun` and the page shows it.
   */
  nextScheduledRun?: () => Date | null | undefined;
  /** How often an open page's live status is read again, in milliseconds; default 5,000. */
  statusIntervalMs?: number;
  /**
   * The Prometheus text served at `/metrics` (open without the token, like `/healthz`); without
   * it `/metrics` answers 404.
   */
  renderMetrics?: () => string | Promise<string>;
}

/** A running dashboard. */
export interface Dashboard {
  /** The URL to open, with the access token. Treat it like a password. */
  url: string;
  /** `http://host:port`, without the token. */
  origin: string;
  /** The access token (random, new for every start). */
  token: string;
  host: string;
  port: number;
  /**
   * Stops listening, ends the pages' connections, and aborts a running job and waits for it (a
   * replace restore puts the previous contents back; a backup publishes nothing).
   */
  close(): Promise<void>;
}

/**
 * The status while the database cannot be reached: what the storage says (the backups of the
 * database by its name, their health), and why the database's part is empty.
 */
export interface StorageOnlyStatus
  extends Omit<BackupStatus, "database" | "identity" | "current" | "recommendation"> {
  /** The database named at start, or null when its name could not be read either (the home database). */
  database: string | null;
  identity: null;
  current: null;
  recommendation: null;
}

/**
 * The dashboard's status answer (`GET /api/status`): backupStatus — or, while the database cannot
 * be reached, {@link StorageOnlyStatus} — and how the dashboard runs.
 */
export type DashboardStatus = (
  | (BackupStatus & { databaseUp: true })
  | (StorageOnlyStatus & {
      databaseUp: false;
      /** Why the database's part is empty (the connection's error, no secrets). */
      databaseProblem: string;
    })
) &
  DashboardRun;

/** How the dashboard runs, in every status answer. */
export interface DashboardRun {
  /** What the storage holds: its backups (every database's) and their bytes as stored (null when a snapshot's chunks could not be listed). */
  storage: { backups: number; bytes: number | null };
  /** The retention of the backups this page creates: the newest `keep` of `prefix` (Infinity: all). */
  retention: { prefix: string; keep: number };
  readOnly: boolean;
  /** The library's version. */
  version: string;
  /** ISO 8601; present only when a schedule is set (see `nextScheduledRun`). */
  nextScheduledRun?: string;
  /** What the storage's snapshots take; present when it holds snapshots. */
  snapshots?: SnapshotStorageUse;
}
