/**
 * Glob patterns for `listFiles`: `*` and `?` within a segment, `**` across segments, `[abc]`, `{a,b}`.
 * Matching is picomatch's; what is ours is the literal prefix, so a listing only covers the part of
 * the store the pattern can match (`data/2024/*.json` lists `data/2024/`, never all of `data/`).
 */
import picomatch from "picomatch";

const MAGIC = /[*?[\]{}()!+@]/;

/** A compiled pattern. */
export interface Glob {
  /** The literal part before the first wildcard: every match starts with it. */
  prefix: string;
  /** True when matches cannot lie below the prefix's next `/` (a delimited listing suffices). */
  shallow: boolean;
  /** Tests a key against the pattern. */
  matches(key: string): boolean;
}

/**
 * Compiles a pattern. With `recursive`, a key also matches when one of its folders matches, so
 * `weather/2024/*` takes in `weather/2024/q1/jan.parquet` as well.
 */
export function compileGlob(pattern: string, options: { recursive?: boolean } = {}): Glob {
  const magicAt = pattern.search(MAGIC);
  const prefix = magicAt === -1 ? pattern : pattern.slice(0, magicAt);
  const rest = magicAt === -1 ? "" : pattern.slice(magicAt);
  const isMatch = picomatch(pattern, { dot: true });
  const recursive = options.recursive === true;
  const matches = (key: string): boolean => {
    if (isMatch(key)) return true;
    if (!recursive) return false;
    for (let slash = key.lastIndexOf("/"); slash > 0; slash = key.lastIndexOf("/", slash - 1)) {
      if (isMatch(key.slice(0, slash))) return true;
    }
    return false;
  };
  const shallow = !recursive && !rest.includes("/") && !rest.includes("**") && magicAt !== -1;
  return { prefix, shallow, matches };
}
