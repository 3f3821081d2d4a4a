"""
One measured run of the Python package `neo4j-backup` (PyPI) in this fresh process:

    python bench/python_peer.py <backup|restore> <uri> <user> <password> <dir>

`backup` writes the package's project folder <dir> with `Extractor` (its defaults: gzip-compressed
JSON chunks); `restore` imports that folder into the (empty) database with `Importer`. Prints one
JSON line: mode, ms, peakRssMb (this process's peak resident set), bytes (backup folder size).
"""

import json
import os
import resource
import sys
import time

from neo4j import GraphDatabase
from neo4j_backup import Extractor, Importer


def folder_bytes(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
    return total


def main():
    mode, uri, user, password, folder = sys.argv[1:6]
    driver = GraphDatabase.driver(uri, auth=(user, password))
    try:
        started = time.perf_counter()
        if mode == "backup":
            Extractor(project_dir=folder, driver=driver, database="neo4j", input_yes=True).extract_data()
        elif mode == "restore":
            Importer(project_dir=folder, driver=driver, database="neo4j", input_yes=True).import_data()
        else:
            raise SystemExit(f"unknown mode {mode}")
        ms = (time.perf_counter() - started) * 1000
    finally:
        driver.close()
    # ru_maxrss is in KiB on Linux
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {"mode": f"python-{mode}", "ms": ms, "peakRssMb": peak}
    if mode == "backup":
        out["bytes"] = folder_bytes(folder)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
