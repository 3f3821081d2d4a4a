/**
 * Every scenario of the fault suite: what it does and what it checks, in the words the report
 * uses. The report is written to docs/reliability.md only when every scenario below has a row for
 * every server it runs on — a run that skipped or lost one cannot pass for a full run.
 */

/**
 * Where a scenario runs: on every test server, on a server of its own, on one of the test servers
 * (the first), or without a server.
 */
export type ScenarioServers = "each" | "own" | "one" | "none";

export interface ScenarioDefinition {
  area: (typeof AREAS)[number];
  title: string;
  checked: string;
  servers: ScenarioServers;
}

/** The areas, in the order of the report. */
export const AREAS = [
  "crash",
  "server",
  "network",
  "disk",
  "concurrency",
  "bad file",
  "security",
  "codecs",
  "dashboard",
] as const;

export const SCENARIOS = {
  "crash.backup": {
    area: "crash",
    title:
      "kill -9 during createBackup (schema, nodes, relationships, writing, publication, index, validation, clean-up)",
    checked:
      "only complete valid files listed, their schema the database's; the previous backup kept until a newer valid one exists; the raw index as the kill left it differs from the files by at most the step that was cut, and the next reader makes it list exactly the files; the killed writer's temporary file gone after the next backup, which succeeds",
    servers: "each",
  },
  "crash.parallel-backup": {
    area: "crash",
    title:
      "kill -9 during a parallel createBackup (two read worker threads: nodes, relationships, in-place writing, publication, read-back, clean-up), and a read worker thread exiting mid-read",
    checked:
      "only complete valid files listed; the previous backup kept until a newer valid one exists; a worker's exit fails the backup (WORKER_FAILED) with nothing published; the next reader makes the index list exactly the files; the next backup succeeds and leaves nothing temporary",
    servers: "each",
  },
  "crash.parallel-restore": {
    area: "crash",
    title:
      "kill -9 during a replace restore on two read worker threads (the parallel safety backup, its writing, the writing of the data, the parallel verification), and a read worker thread exiting during a verification",
    checked:
      "after every kill the next call puts back exactly the previous data and schema, nothing pending; a worker's exit fails the unverified restore, which takes its data back (the target empty again)",
    servers: "each",
  },
  "crash.replace-restore": {
    area: "crash",
    title:
      "kill -9 during a replace restore (validation, safety backup, marker, clearing, nodes, relationships, schema, verification)",
    checked:
      "after the next call (recoverInterruptedRestore or createBackup; or backupStatus, which reports the unfinished restore without writing, then recoverInterruptedRestore): data and schema (constraints and RANGE, TEXT, POINT, FULLTEXT and VECTOR indexes) exactly the previous contents at every kill point, indexes online; no pending restore left",
    servers: "each",
  },
  "crash.empty-restore": {
    area: "crash",
    title: "kill -9 during a restore into an empty database (nodes, relationships, schema, verification)",
    checked:
      "the next call completes the restore: data and schema (constraints and five index kinds) = the backup's; no pending restore left",
    servers: "each",
  },
  "shared.folder": {
    area: "crash",
    title:
      "two servers sharing one folder: a restore of A's backup into B killed at every phase (replace: validation, safety backup, marker, clearing, nodes, relationships, schema, verification, before the end is recorded; empty mode: nodes, relationships, schema, verification), then a command against A (create, status, restore, auto-backup, a dashboard request, a scheduled run), then one against B (recoverInterruptedRestore or createBackup)",
    checked:
      "after the command against A: A's data and schema unchanged, A's backups unchanged (a new backup of A replaces only A's previous one), B untouched and its pending record unchanged; after the command against B: exactly B's previous contents, data and schema (replace) or exactly the complete restore (empty mode); no pending restore left; A still unchanged",
    servers: "one",
  },
  "shared.s3": {
    area: "crash",
    title:
      "two servers sharing one S3 bucket prefix (the servers' roles swapped): the same kills of a restore into B at every phase, then a command against A, then one against B",
    checked:
      "as for the shared folder: A's data, schema and backups unchanged and B's record kept after A's command; B exactly its previous contents (replace) or the complete restore (empty); no pending restore left",
    servers: "one",
  },
  "crash.distribution": {
    area: "crash",
    title:
      "kill -9 during createDistributionBackup({ replace: true }) (writing, validating, putting in place, clean-up)",
    checked:
      "initial_backup.json always present and valid, the old content or the new — never neither; the next call removes the side file and puts the new one in place; the raw index then lists exactly initial_backup.json",
    servers: "each",
  },
  "crash.schedule-sigterm": {
    area: "crash",
    title:
      "SIGTERM and SIGINT to `neo4j-backup schedule` while a scheduled backup writes its file, and SIGTERM between runs",
    checked:
      "during a backup: exit 130 and an `aborted` line, nothing published, no temporary file, no failure recorded, the previous backup listed and valid; between runs: exit 0; every time the next schedule's run backs up a valid file",
    servers: "each",
  },
  "server.stopped": {
    area: "server",
    title: "server stopped (SIGTERM) during createBackup and during a replace restore, then restarted",
    checked:
      "CONNECTION / ROLLBACK_FAILED naming the safety backup; after restart: data unchanged, only the previous backup listed; the interrupted restore recovered to the previous contents",
    servers: "own",
  },
  "network.backup": {
    area: "network",
    title: "connection cut during createBackup (nodes, early and late relationships)",
    checked:
      "error code CONNECTION with a clear message; nothing published; previous backup listed and valid",
    servers: "each",
  },
  "network.restore": {
    area: "network",
    title: "connection cut during a replace restore (for good, or for 300 ms)",
    checked:
      "a BackupError without secrets; after the next call the fingerprint is exactly the previous contents when the restore failed, and exactly the complete restore when it returned",
    servers: "each",
  },
  "disk.full": {
    area: "disk",
    title:
      "disk full (a real tmpfs) during a backup written in place, during its spool, and during a replace restore's safety backup",
    checked:
      "the backup folder on a 1 MB tmpfs, written through FileSystemStorage's in-place writer (checked); the spool on a 256 KB tmpfs; STORAGE error naming the cause; no file or temporary file left; previous backup listed and valid; database untouched",
    servers: "each",
  },
  "concurrency.writers": {
    area: "concurrency",
    title: "creates, deletes and updates committed while a backup reads nodes or relationships",
    checked:
      "metadata records the change; the file validates (referentially intact); it restores and verifies into an empty database",
    servers: "each",
  },
  "concurrency.require-consistent": {
    area: "concurrency",
    title: "requireConsistent: a backup during writes, and one without",
    checked:
      "with writes committed while it reads: INCONSISTENT, nothing published, no temporary file, index unchanged; without writes: published, changed_during_backup false",
    servers: "each",
  },
  "bad.truncated": {
    area: "bad file",
    title: "truncated at 0 %, 10 %, … 90 % of its length",
    checked: "reported with a location; restore refused; database and storage unchanged",
    servers: "each",
  },
  "bad.data-flips": {
    area: "bad file",
    title: "one random bit flipped in the data section (seeded)",
    checked:
      "refused with a location, or (when the flip does not change any value) the content fingerprint is unchanged",
    servers: "each",
  },
  "bad.metadata-flips": {
    area: "bad file",
    title: "one random bit flipped in line 1, the metadata with schema definitions and padding (seeded)",
    checked:
      "refused (the metadata checksum, or the structure), restore refused, database unchanged; or (when the flip changes no value) the metadata is unchanged",
    servers: "each",
  },
  "bad.malformed": {
    area: "bad file",
    title:
      "wrong types, booleans as ids, duplicate ids, dangling relationships, invalid UTF-8, 100k-deep nesting, colliding v1 keys",
    checked: "each reported with its line and path; restore refused; database and storage unchanged",
    servers: "each",
  },
  "bad.big-string": {
    area: "bad file",
    title: "a 100 MB string (unterminated, and whole), validated from a file in a process of its own",
    checked:
      "unterminated: refused at its line; whole: valid; peak memory (RSS) measured in the validating process: bounded by a small multiple of the record, and flat for a file of the same size in small records",
    servers: "each",
  },
  "bad.injection": {
    area: "bad file",
    title: "labels, relationship types and property keys crafted to inject Cypher",
    checked: "restored verbatim (verified), no injected clause ran",
    servers: "each",
  },
  "bad.fuzz": {
    area: "bad file",
    title: "fuzzed files (fast-check: 1–4 random byte edits, fixed seed and budget)",
    checked: "validation always returns a report; anything accepted has the original content fingerprint",
    servers: "none",
  },
  "security.secrets": {
    area: "security",
    title:
      "a distinctive password through backup, replace restore, status, verify, a wrong password and a bolt+s URI",
    checked:
      "password absent from every text (backup files, index, trace log, error messages, stacks, causes); files 0640, folder 0750; AUTHENTICATION and CONNECTION errors",
    servers: "each",
  },
  "security.codec-secrets": {
    area: "security",
    title:
      "a passphrase and an age identity through encrypted backups, replace restores, status, verify, list, a wrong passphrase, a wrong identity and an identity passed as a recipient",
    checked:
      "passphrase and identity absent from every text (backup files, index, trace log, error messages, stacks, causes)",
    servers: "each",
  },
  "codecs.kill-backup": {
    area: "codecs",
    title:
      "kill -9 during a zstd-compressed, age-encrypted createBackup (nodes, relationships, in-place writing, publication, validation, clean-up)",
    checked:
      "only complete files that decrypt and validate are listed; the previous backup kept until a newer valid one exists",
    servers: "each",
  },
  "codecs.kill-restore": {
    area: "codecs",
    title:
      "kill -9 during a zstd+age replace restore (validation, encrypted safety backup, nodes, relationships, verification)",
    checked:
      "after recoverInterruptedRestore with the identity: exactly the previous contents at every kill point; no pending restore left",
    servers: "each",
  },
  "codecs.damage": {
    area: "codecs",
    title:
      "bit flips in an age ciphertext and in gzip data (three places each); another's identity, a wrong passphrase, no key",
    checked:
      "VALIDATION_FAILED, DECRYPTION_FAILED or KEY_REQUIRED before the first write; database unchanged; no safety backup taken",
    servers: "each",
  },
  "s3.connection-cut": {
    area: "network",
    title:
      "S3: connection to the S3 service cut during an upload (for good, and healed) and during a restore's read",
    checked:
      "cut for good: STORAGE (UNAVAILABLE), nothing published, previous backup valid; healed: the upload retries its parts and the read resumes at its byte, both complete and valid; no unfinished multipart upload",
    servers: "one",
  },
  "s3.server-killed": {
    area: "server",
    title:
      "S3: the S3 server killed (SIGKILL) during createBackup (mid-multipart) and during a replace restore, then restarted",
    checked:
      "STORAGE (UNAVAILABLE) naming the bucket and key / ROLLBACK_FAILED naming the safety backup; after restart: database unchanged, only the previous backup listed and valid, the interrupted restore recovered to the previous contents, no unfinished multipart upload",
    servers: "one",
  },
  "s3.credentials": {
    area: "security",
    title: "S3: wrong credentials and a missing bucket",
    checked:
      "STORAGE with reason BAD_CREDENTIALS / NO_SUCH_BUCKET naming the bucket; the secret key in no message or detail",
    servers: "one",
  },
  "s3.race": {
    area: "concurrency",
    title: "S3: three processes copying one name, and three names, into one bucket prefix at once",
    checked:
      "one name: exactly one copy, the others BACKUP_EXISTS; three names: every entry in the index (read back raw, not reconciled); no unfinished multipart upload",
    servers: "none",
  },
  "dashboard.restore-page-closed": {
    area: "dashboard",
    title:
      "a replace restore started from the dashboard in Chromium, the page closed while it writes (and then the dashboard stopped, as Ctrl-C does)",
    checked:
      "page closed: the restore goes on to the end (database = the backup, verified); dashboard stopped too: the restore is undone (database = the previous contents); never a mix; no pending restore left",
    servers: "each",
  },
  "snapshot.crash": {
    area: "crash",
    title:
      "kill -9 during a snapshot (nodes, relationships, the first chunk stored, many chunks stored, the manifest being written, published but not indexed, the check before retention), over an earlier snapshot",
    checked:
      "only complete snapshots listed, each reads back and validates; the earlier snapshot intact until a newer one is published and checked; no partial manifest; the only debris is chunks no manifest references, which the next prune (grace 0) removes exactly, leaving every snapshot valid; the next snapshot succeeds",
    servers: "each",
  },
  "snapshot.prune-crash": {
    area: "crash",
    title:
      "kill -9 during a prune (before the first chunk removal, part-way), with three snapshots, the first forgotten",
    checked:
      "every remaining snapshot validates and the newest restores and verifies equal; the next prune removes the rest of the forgotten snapshot's chunks and nothing another snapshot references",
    servers: "each",
  },
  "snapshot.concurrent": {
    area: "concurrency",
    title:
      "two processes on one S3 bucket prefix at once: one takes snapshots while the other prunes with no grace period, then forgets and prunes again",
    checked:
      "both finish without error (the lock orders them); every snapshot left validates and check --read-data finds nothing; no chunk is left that no manifest references after the last prune",
    servers: "one",
  },
  "snapshot.damaged-chunk": {
    area: "bad file",
    title: "a snapshot with one chunk deleted, or one byte of a chunk flipped, restored in replace mode",
    checked:
      "refused before the first write (VALIDATION_FAILED, the message naming the chunk); the database unchanged (data and counts); check --read-data names the chunk and the snapshot that needs it",
    servers: "each",
  },
} as const satisfies Record<string, ScenarioDefinition>;

export type ScenarioId = keyof typeof SCENARIOS;
