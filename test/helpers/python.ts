/**
 * Runs the system Python (with Debian's numpy, scipy and Pillow) for interop tests. A missing
 * interpreter or module fails the test with what to install: these tests never skip silently.
 */
import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";

/** The interpreter that sees Debian's python3-numpy, python3-scipy and python3-pil. */
export const PYTHON = "/usr/bin/python3";

const HINT =
  "run `bash scripts/test-deps.sh` (as `npm test` does) to install python3-numpy, python3-scipy, python3-pil";

/**
 * Runs a Python script (given as source) with `args` in `sys.argv[1:]`; resolves with its stdout.
 * Rejects with the script's stderr when it fails.
 */
export async function runPython(script: string, args: readonly string[] = []): Promise<string> {
  try {
    await access(PYTHON, constants.X_OK);
  } catch {
    throw new Error(`${PYTHON} is missing: ${HINT}`);
  }
  return new Promise((resolve, reject) => {
    const child = execFile(
      PYTHON,
      ["-", ...args],
      { maxBuffer: 256 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (!error) {
          resolve(stdout);
          return;
        }
        const missing = /ModuleNotFoundError: No module named '([^']+)'/.exec(stderr);
        const why = missing
          ? `Python module '${missing[1]}' is missing: ${HINT}`
          : `Python failed: ${stderr || error.message}`;
        reject(new Error(why));
      },
    );
    child.stdin?.end(script);
  });
}

/** Runs a script that prints one JSON document, and parses it. */
export async function runPythonJson<T>(script: string, args: readonly string[] = []): Promise<T> {
  return JSON.parse(await runPython(script, args)) as T;
}
