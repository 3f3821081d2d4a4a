/**
 * The Python package `neo4j-backup` from PyPI, the peer the harness compares with: installed with pip
 * into a virtual environment under .bench/, and run through bench/python_peer.py.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

/** The PyPI package and version the harness measures. */
export const PYTHON_PACKAGE = "neo4j-backup";
export const PYTHON_PACKAGE_VERSION = "1.0.0";

/** A ready virtual environment with the peer package. */
export interface PythonPeer {
  /** The virtual environment's `python`. */
  python: string;
  /** bench/python_peer.py, the measuring wrapper. */
  script: string;
  pythonVersion: string;
  packageVersion: string;
  /** Version of the `neo4j` Python driver pip resolved for the package. */
  driverVersion: string;
}

function versions(python: string): { pythonVersion: string; packageVersion: string; driverVersion: string } {
  const code = [
    "import json, platform",
    "from importlib.metadata import version",
    `print(json.dumps({"pythonVersion": platform.python_version(), "packageVersion": version(${JSON.stringify(PYTHON_PACKAGE)}), "driverVersion": version("neo4j")}))`,
  ].join("\n");
  return JSON.parse(execFileSync(python, ["-c", code], { encoding: "utf8" }).trim());
}

/**
 * Creates `<scratch>/venv` if it is missing (with `$PYTHON` or `python3`) and installs
 * `neo4j-backup==1.0.0` into it with pip unless that exact version is already there.
 */
export function ensurePythonPeer(scratch: string, log: (message: string) => void): PythonPeer {
  const venv = join(scratch, "venv");
  const python = join(venv, "bin", "python");
  if (!existsSync(python)) {
    mkdirSync(scratch, { recursive: true });
    log(`creating a Python virtual environment in ${venv}`);
    execFileSync(process.env.PYTHON ?? "python3", ["-m", "venv", venv], { stdio: "inherit" });
  }
  let installed: ReturnType<typeof versions> | undefined;
  try {
    installed = versions(python);
  } catch {
    installed = undefined;
  }
  if (installed?.packageVersion !== PYTHON_PACKAGE_VERSION) {
    log(`installing ${PYTHON_PACKAGE}==${PYTHON_PACKAGE_VERSION} with pip`);
    execFileSync(
      python,
      [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        `${PYTHON_PACKAGE}==${PYTHON_PACKAGE_VERSION}`,
      ],
      { stdio: "inherit" },
    );
    installed = versions(python);
  }
  return { python, script: join(import.meta.dirname, "python_peer.py"), ...installed };
}
