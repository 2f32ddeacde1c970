/**
 * What the peer scenarios share: which peer versions run, and the checks that tell a right result
 * from a wrong one whatever shape each library returns it in (Buffer, ArrayBuffer, `a:b` keys…).
 */
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import type { Check } from "./harness.js";

/** The installed version of a peer package, for the table's notes and the JSON results. */
export function peerVersion(name: string): string {
  try {
    const file = new URL(`../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

/**
 * The calls of opendal's `Operator` the scenarios make. opendal is not a devDependency: its package
 * names a native build per platform as optional dependencies, and `npm ci` refuses a lock file that
 * lacks any of them, while the registry this project installs from carries only the Linux x64 builds.
 * Install it for a run with `npm install --no-save opendal@0.49.1` (0.49.1: later builds need glibc
 * 2.38); without it, its column says so.
 */
export interface OpendalOperator {
  write(path: string, data: Buffer | string, options?: { contentType?: string }): Promise<void>;
  read(path: string): Promise<Buffer>;
  list(path: string, options?: { recursive?: boolean }): Promise<Array<{ path(): string }>>;
}

const opendal = (await import("opendal" as string).catch(() => undefined)) as
  | { Operator: new (scheme: string, options: Record<string, string>) => OpendalOperator }
  | undefined;

/** An opendal operator, or undefined when opendal is not installed. */
export function newOpendal(scheme: string, options: Record<string, string>): OpendalOperator | undefined {
  return opendal ? new opendal.Operator(scheme, options) : undefined;
}

/** The operator; when opendal is not installed, a failure the table shows in opendal's column. */
export function installed(op: OpendalOperator | undefined): OpendalOperator {
  if (!op) throw new Error("not installed (npm install --no-save opendal@0.49.1)");
  return op;
}

/** Labels of the three peers, with the versions installed. */
export const PEERS = {
  unstorage: `unstorage ${peerVersion("unstorage")}`,
  flydrive: `flydrive ${peerVersion("flydrive")}`,
  opendal: `opendal ${peerVersion("opendal")} (native)`,
};

function asBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return undefined;
}

/** Right when the job returned exactly `expected`'s bytes (a Uint8Array, Buffer or ArrayBuffer). */
export function sameBytes(expected: () => Uint8Array): Check {
  return (result) => {
    const bytes = asBytes(result);
    if (bytes === undefined) return `returned ${typeof result}, not bytes`;
    const want = expected();
    if (bytes.length !== want.length) return `${bytes.length} of ${want.length} bytes`;
    return Buffer.compare(bytes, want) === 0 ? undefined : "bytes differ";
  };
}

/** Right when the job returned the values read back, equal one by one to `expected`. */
export function sameValues(expected: readonly unknown[]): Check {
  return (result) => {
    if (!Array.isArray(result)) return "returned no list of values";
    let wrong = 0;
    for (let i = 0; i < expected.length; i++) if (!isDeepStrictEqual(result[i], expected[i])) wrong++;
    const missing = expected.length - result.length;
    if (missing > 0) return `${result.length} of ${expected.length} values`;
    return wrong === 0 ? undefined : `${wrong} of ${expected.length} values differ`;
  };
}

/**
 * Right when the job listed exactly `expected` keys (any order). `normalize` maps a library's key to
 * the common form (`/` separators, no `.json`) before comparing.
 */
export function sameKeys(
  expected: () => readonly string[],
  normalize: (key: string) => string = (k) => k,
): Check {
  return (result) => {
    if (!Array.isArray(result)) return "returned no list of keys";
    const want = expected();
    const got = new Set((result as string[]).map(normalize));
    let found = 0;
    for (const key of want) if (got.has(key)) found++;
    if (found === want.length && got.size === want.length) return undefined;
    return found === got.size
      ? `${found.toLocaleString("en")} of ${want.length.toLocaleString("en")} keys`
      : `${found.toLocaleString("en")} of ${want.length.toLocaleString("en")} keys, ${(got.size - found).toLocaleString("en")} unexpected`;
  };
}

/** `part-0:shard-1:item-2.json` or `part-0/shard-1/item-2.json` → `part-0/shard-1/item-2`. */
export function plainKey(key: string): string {
  return key.replace(/[:\\]/g, "/").replace(/\.json$/, "");
}
