"""Calling neo4j-backup from Python: a subprocess with --json, its result and its exit code.

    python3 backup_from_python.py "Before the nightly import"

Prints one JSON line: {"ok": true, "backup": {...}} or {"ok": false, "exitCode": n, "error": {...}}.
The connection comes from the environment (NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD), never from
the command line. When the command is not installed, the error says so (code NOT_INSTALLED, exit
127 as a shell would), instead of a traceback.
"""

import json
import subprocess
import sys

# The exit codes of neo4j-backup (docs/cli.md).
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INVALID = 0, 1, 2, 3
EXIT_CONNECTION, EXIT_LOCKED = 6, 7
# Not from neo4j-backup: the command could not be started (a shell's "command not found").
EXIT_NOT_INSTALLED = 127


class BackupFailed(Exception):
    def __init__(self, exit_code, error):
        super().__init__(f"{error.get('code')}: {error.get('message')} (exit {exit_code})")
        self.exit_code = exit_code
        self.error = error


def neo4j_backup(*args, command=("neo4j-backup",)):
    """Runs neo4j-backup with --json; returns its JSON document, raises BackupFailed with its error."""
    try:
        run = subprocess.run([*command, *args, "--json"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupFailed(EXIT_NOT_INSTALLED, {
            "code": "NOT_INSTALLED",
            "message": f"{command[0]} was not found on PATH",
            "hint": "install it (npm install -g neo4j-backup) or pass command=(\"npx\", \"--yes\", \"neo4j-backup\")",
        }) from None
    if run.returncode == EXIT_OK:
        return json.loads(run.stdout)
    # with --json, stderr's last line is the error as JSON: code, message, hint, exitCode
    lines = run.stderr.strip().splitlines()
    try:
        error = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        error = {"code": "ERROR", "message": run.stderr.strip()}
    raise BackupFailed(run.returncode, error)


def main():
    reason = sys.argv[1] if len(sys.argv) > 1 else "Backup from Python"
    try:
        backup = neo4j_backup("create", "--reason", reason)
    except BackupFailed as failed:
        print(json.dumps({"ok": False, "exitCode": failed.exit_code, "error": failed.error}))
        return failed.exit_code
    print(json.dumps({"ok": True, "backup": {k: backup[k] for k in ("name", "nodeCount", "relationshipCount", "bytes")}}))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
