/**
 * Glob and `match` patterns compile to expressions that run in linear time, with the answers the
 * old, backtracking translation gave: `*` before a fixed-length part is an atomic group (emulated
 * with a lookahead and a backreference, as CPython's fnmatch does), which must never change what a
 * pattern matches. The old translators are kept at the end of this file as the references.
 * Also: `match` patterns holding `-` compile (a `\-` outside a class is invalid with the `u` flag).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGlob, type Glob } from "../../src/core/glob.js";
import { AutoPath } from "../../src/core/index.js";
import { fnmatch } from "../../src/core/path/fnmatch.js";

/** Runs `f`, returning its answer and the milliseconds it took. */
function timed<T>(f: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = f();
  return { value, ms: performance.now() - start };
}

/**
 * Pattern pieces both generators draw from: the alphabet of the report (stars three times, so that
 * many patterns hold the two wildcards an atomic group needs), and two set forms.
 */
const SHARED_TOKENS = ["a", "b", "-", "/", ".", "*", "*", "*", "?", "[ab]", "[!a]"];

// Timed checks use a loose bound (the old translation took seconds to hours on these, the new one
// a millisecond or so): they catch a return of the backtracking, never a slow machine.
const BOUND_MS = 1000;

describe("AutoPath.match with `-` in the pattern", () => {
  it("matches the example from the report instead of throwing", () => {
    expect(new AutoPath("s3://b/logs/my-file.txt").match("my-*.txt")).toBe(true);
    expect(new AutoPath("s3://b/logs/my-file.txt").match("run-1")).toBe(false);
    expect(new AutoPath("s3://b/logs/x-y").match("[a-]-y")).toBe(false);
  });

  // [path, pattern, answer]: answers computed by the system python3 (3.11) with
  // pathlib.PurePosixPath(path).match(pattern), hard-coded here.
  const PYTHON: [string, string, boolean][] = [
    ["logs/my-file.txt", "my-*.txt", true],
    ["logs/my-file.txt", "logs/my-*", true],
    ["logs/my-file.txt", "my_*.txt", false],
    ["run-1", "run-1", true],
    ["run-1", "run-2", false],
    ["run-1", "run-?", true],
    ["x-y", "[a-]-y", false],
    ["--y", "[a-]-y", true],
    ["a-y", "[a-]-y", true],
    ["b-y", "[a-]-y", false],
    ["-", "[-]", true],
    ["-", "[!-]", false],
    ["b", "[a-c]", true],
    ["-", "[a-c]", false],
    ["2024-01-15.log", "*-*-*.log", true],
    ["2024-01-15.log", "[0-9][0-9][0-9][0-9]-*", true],
    ["a-b-c", "*-*-*-*", false],
    ["/data/a-b/c", "/data/*-*/c", true],
    ["-x", "[--z]x", true],
    ["c", "[z-a]", false],
    ["a", "[!z-a]", true],
  ];

  it.each(PYTHON)("%s matches %s: %s (as pathlib says)", (path, pattern, answer) => {
    expect(new AutoPath(path).match(pattern)).toBe(answer);
    // The same path part under a URI answers the same.
    const uri = path.startsWith("/") ? `s3://bkt${path}` : `s3://bkt/${path}`;
    expect(new AutoPath(uri).match(pattern)).toBe(answer);
  });
});

describe("match (fnmatch) compiles to what the old translation matched, in linear time", () => {
  // The alphabet of the report, and a few more set forms (a range, a `-` in a set, an unclosed `[`).
  // Stars come more often, so that many patterns have the two an atomic group needs.
  const token = fc.constantFrom(...SHARED_TOKENS, "[a-]", "[a-b]", "[", "]");
  const pattern = fc.array(token, { maxLength: 10 }).map((t) => t.join(""));
  const name = fc.stringMatching(/^[ab/.-]{0,10}$/);

  it("answers as the old (backtracking) translation, for generated patterns and names", () => {
    fc.assert(
      fc.property(pattern, fc.array(name, { minLength: 1, maxLength: 8 }), (pat, names) => {
        const old = oldFnmatch(pat);
        for (const n of names)
          expect(fnmatch(n, pat), `${JSON.stringify(pat)} on ${JSON.stringify(n)}`).toBe(old.test(n));
      }),
      { numRuns: 3000 },
    );
  });

  it("answers `*a*a…*b` against a hundred a's at once", () => {
    const name = "a".repeat(100);
    const pat = `${"*a".repeat(20)}*b`;
    const miss = timed(() => fnmatch(name, pat));
    expect(miss.value).toBe(false);
    expect(miss.ms).toBeLessThan(BOUND_MS);
    expect(fnmatch(`${name}b`, pat)).toBe(true);
    const viaPath = timed(() => new AutoPath(`s3://b/logs/${name}`).match(pat));
    expect(viaPath.value).toBe(false);
    expect(viaPath.ms).toBeLessThan(BOUND_MS);
  });
});

describe("glob patterns compile to what the old translation matched, in linear time", () => {
  // The alphabet of the report, and globstars and brace groups: of one length (`{a,b}`, which may
  // be part of an atomic group), of different lengths, with wildcards or `/` inside, nested. Stars
  // come more often, so that many patterns have the two an atomic group needs.
  const token = fc.constantFrom(
    ...SHARED_TOKENS,
    "**",
    "/**",
    "**/",
    "**/",
    "{a,b}",
    "{a,bb}",
    "{*a,b}",
    "{a/b,?}",
    "{ab,a}",
    "{ab,b/}",
    "{a,{b,ab}}",
    "{,a}",
  );
  const pattern = fc.array(token, { maxLength: 10 }).map((t) => t.join(""));
  const key = fc.stringMatching(/^[ab/.-]{0,12}$/);

  function same(pat: string, recursive: boolean, keys: string[]): void {
    const now: Glob = compileGlob(pat, { recursive });
    const old: Glob = oldCompileGlob(pat, { recursive });
    expect({ prefix: now.prefix, shallow: now.shallow }).toEqual({
      prefix: old.prefix,
      shallow: old.shallow,
    });
    for (const k of keys) {
      expect(now.matches(k), `${JSON.stringify(pat)} on ${JSON.stringify(k)}`).toBe(old.matches(k));
    }
  }

  it("answers as the old (backtracking) translation, for generated patterns and keys", () => {
    fc.assert(fc.property(pattern, fc.boolean(), fc.array(key, { minLength: 1, maxLength: 8 }), same), {
      numRuns: 3000,
    });
  });

  it("answers as the old translation for keys made to nearly match", () => {
    // Random keys rarely match a longer pattern: derive keys from the pattern itself.
    const near = fc
      .tuple(pattern, fc.array(fc.constantFrom("", "a", "b", "ab", "/", "a/", "-"), { maxLength: 8 }))
      .map(([pat, fill]) => {
        let n = 0;
        const k = pat.replace(/\*+|\?|\[!?[^\]]*\]|[{},]/g, () => fill[n++ % Math.max(fill.length, 1)] ?? "");
        return { pat, keys: [k, `${k}a`, k.slice(1), k.replace(/\/+/g, "/")] };
      });
    fc.assert(
      fc.property(near, fc.boolean(), ({ pat, keys }, recursive) => same(pat, recursive, keys)),
      { numRuns: 3000 },
    );
  });

  it("keeps the backtracking where the shortest run before a part is not always right", () => {
    // [pattern, key]: each matches, but not with the wildcard before the brace group taking the
    // shortest run it can (the group's first alternative would then reach past what follows).
    const cases: [string, string][] = [
      ["*{ab,a}*b", "ab"], // alternatives of different lengths
      ["*{ab,b/}*", "ab/"], // alternatives of one length, one holding a `/`
      ["**/{a/b,?}/**/b/a", "a/b/a"], // alternatives spanning different numbers of segments
    ];
    for (const [pat, k] of cases) {
      expect(oldCompileGlob(pat).matches(k), pat).toBe(true);
      expect(compileGlob(pat).matches(k), pat).toBe(true);
    }
  });

  it("answers `*a*a…*b` against a hundred a's at once", () => {
    const key = "a".repeat(100);
    const glob = compileGlob(`${"*a".repeat(20)}*b`);
    const miss = timed(() => glob.matches(key));
    expect(miss.value).toBe(false);
    expect(miss.ms).toBeLessThan(BOUND_MS);
    expect(glob.matches(`${key}b`)).toBe(true);
    expect(glob.matches(`${key}/b`)).toBe(false); // a `*` stays within its segment
  });

  it("answers `**/a/**/a/…/b` against a hundred folders at once, recursive or not", () => {
    const key = `${"a/".repeat(100)}c`;
    for (const recursive of [false, true]) {
      const glob = compileGlob(`${"**/a/".repeat(20)}b`, { recursive });
      const miss = timed(() => glob.matches(key));
      expect(miss.value).toBe(false);
      expect(miss.ms).toBeLessThan(BOUND_MS);
      expect(glob.matches(`${"a/".repeat(100)}b`)).toBe(true);
    }
  });

  it("answers `*{a,b}*{a,b}…*c` (alternatives of one length) against a hundred a's at once", () => {
    const glob = compileGlob(`${"*{a,b}".repeat(20)}*c`);
    const miss = timed(() => glob.matches("a".repeat(100)));
    expect(miss.value).toBe(false);
    expect(miss.ms).toBeLessThan(BOUND_MS);
    expect(glob.matches(`${"ab".repeat(10)}c`)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The references: the translations before the atomic groups, copied from src/core/path/fnmatch.ts
// and src/core/glob.ts as they were.

const oldCompiled = new Map<string, RegExp>();

/** The old fnmatch's expression for a pattern. */
function oldFnmatch(pattern: string): RegExp {
  let re = oldCompiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${oldTranslate(pattern)})$`, "su");
    oldCompiled.set(pattern, re);
  }
  return re;
}

// The one change from the old code: `-` is not escaped outside a class (`\-` is invalid with `u`).
const OLD_SPECIAL = /[.*+?^${}()|[\]\\/]/g;

function oldEscapeChar(c: string): string {
  return c.replace(OLD_SPECIAL, "\\$&");
}

function oldEscapeInSet(s: string): string {
  return s.replace(/[\\\]-]/g, "\\$&");
}

function oldTranslate(pat: string): string {
  const chars = [...pat];
  const n = chars.length;
  let out = "";
  let i = 0;
  let lastStar = false;
  while (i < n) {
    const c = chars[i] as string;
    i++;
    if (c === "*") {
      if (!lastStar) out += "[^]*";
      lastStar = true;
      continue;
    }
    lastStar = false;
    if (c === "?") out += "[^]";
    else if (c === "[") {
      let j = i;
      if (j < n && chars[j] === "!") j++;
      if (j < n && chars[j] === "]") j++;
      while (j < n && chars[j] !== "]") j++;
      if (j >= n) {
        out += "\\[";
        continue;
      }
      out += oldSet(chars.slice(i, j));
      i = j + 1;
    } else out += oldEscapeChar(c);
  }
  return out;
}

/** One `[...]` set (its inside, without brackets), with CPython's range handling. */
function oldSet(inside: string[]): string {
  const negate = inside[0] === "!";
  const body = negate ? inside.slice(1) : inside;
  if (body.length === 0) return negate ? "[^]" : "(?!)";
  // Split into chunks at range hyphens: `a-c` is a range; a hyphen first or last is literal.
  const chunks: string[][] = [];
  let start = 0;
  let k = 1;
  for (;;) {
    let h = -1;
    for (let x = k; x < body.length; x++) {
      if (body[x] === "-") {
        h = x;
        break;
      }
    }
    if (h < 0) break;
    chunks.push(body.slice(start, h));
    start = h + 1;
    k = h + 3;
  }
  const tail = body.slice(start);
  if (tail.length > 0 || chunks.length === 0) chunks.push(tail);
  else (chunks[chunks.length - 1] as string[]).push("-");
  // Drop empty ranges (`z-a`), as CPython does.
  for (let x = chunks.length - 1; x > 0; x--) {
    const prev = chunks[x - 1] as string[];
    const cur = chunks[x] as string[];
    if ((prev.at(-1) as string) > (cur[0] as string)) {
      chunks[x - 1] = [...prev.slice(0, -1), ...cur.slice(1)];
      chunks.splice(x, 1);
    }
  }
  const parts = chunks.map((c) => oldEscapeInSet(c.join("")));
  const stuff = parts.join("-");
  if (stuff === "") return negate ? "[^]" : "(?!)";
  return negate ? `[^${stuff}]` : `[${stuff.startsWith("^") ? `\\${stuff}` : stuff}]`;
}

function oldCompileGlob(pattern: string, options: { recursive?: boolean } = {}): Glob {
  const parser = new OldParser(pattern);
  const source = parser.sequence(false);
  const regex = new RegExp(`^(?:${source})$`, "su");
  let magicAt = parser.firstMagic ?? pattern.length;
  // A listing prefix is checked as a key: a partial last segment `.` or `..` (from `.?` or `..*`,
  // which match `.a` and `..b`) would be refused, so the listing starts at its folder instead.
  const folderEnd = pattern.lastIndexOf("/", magicAt - 1) + 1;
  const partial = pattern.slice(folderEnd, magicAt);
  if (partial === "." || partial === "..") magicAt = folderEnd;
  const prefix = pattern.slice(0, magicAt);
  const rest = pattern.slice(magicAt);
  const recursive = options.recursive === true;
  const matches = (key: string): boolean => {
    if (regex.test(key)) return true;
    if (!recursive) return false;
    for (let slash = key.lastIndexOf("/"); slash > 0; slash = key.lastIndexOf("/", slash - 1)) {
      if (regex.test(key.slice(0, slash))) return true;
    }
    return false;
  };
  const shallow = !recursive && rest !== "" && !rest.includes("/") && !rest.includes("**");
  return { prefix, shallow, matches };
}

// Characters with a meaning in a regular expression: with the `u` flag only these may be escaped
// (and `-`, inside a class only).
const oldEscapeRegex = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/gu, "\\$&");
const oldEscapeClass = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/-]/gu, "\\$&");

class OldParser {
  readonly #p: string;
  #i = 0;
  /** Where the first wildcard, class or brace group starts (undefined: the pattern is literal). */
  firstMagic: number | undefined;

  constructor(pattern: string) {
    this.#p = pattern;
  }

  /** Parses until the end, or (in a brace group) until the `,` or `}` that ends the alternative. */
  sequence(inBraces: boolean): string {
    let out = "";
    const p = this.#p;
    // Literal `{`s (no comma) opened inside a group: their `}` is literal too, as #braceEnd counted it.
    let literalBraces = 0;
    while (this.#i < p.length) {
      const at = this.#i;
      const c = p[at] as string;
      if (inBraces && literalBraces > 0 && c === "}") literalBraces--;
      else if (inBraces && (c === "," || c === "}")) break;
      else if (inBraces && c === "{" && this.#braceEnd(at) === undefined) literalBraces++;
      if (c === "*") {
        this.#magic(at);
        let end = at;
        while (p[end] === "*") end++;
        this.#i = end;
        const whole =
          end - at >= 2 && (at === 0 || p[at - 1] === "/") && (end === p.length || p[end] === "/");
        // A whole `**` at the end is the whole pattern: `a/**` is handled at its `/`.
        if (!whole) out += "[^/]*";
        else if (end === p.length) out += ".*";
        else {
          out += "(?:[^/]*/)*";
          this.#i = end + 1; // the `/` after `**` is part of it
        }
        continue;
      }
      if (c === "/" && p.slice(at + 1) === "**" && !inBraces) {
        // `a/**` takes in `a` itself, as `**/x` takes in `x`: the literal prefix stops before the `/`.
        this.#magic(at);
        out += "(?:/.*)?";
        this.#i = p.length;
        continue;
      }
      if (c === "?") {
        this.#magic(at);
        out += "[^/]";
        this.#i++;
        continue;
      }
      if (c === "[") {
        const cls = this.#class(at);
        if (cls) {
          this.#magic(at);
          out += cls.source;
          this.#i = cls.end;
          continue;
        }
      }
      if (c === "{" && this.#braceEnd(at) !== undefined) {
        this.#magic(at);
        this.#i++;
        const alternatives: string[] = [];
        for (;;) {
          alternatives.push(this.sequence(true));
          const stop = p[this.#i];
          this.#i++;
          if (stop === "}") break;
        }
        out += `(?:${alternatives.join("|")})`;
        continue;
      }
      const cp = String.fromCodePoint(p.codePointAt(at) as number);
      out += oldEscapeRegex(cp);
      this.#i += cp.length;
    }
    return out;
  }

  #magic(at: number): void {
    this.firstMagic ??= at;
  }

  /** The class starting at `[` (its regex and the index after its `]`), or undefined if unclosed. */
  #class(start: number): { source: string; end: number } | undefined {
    const p = this.#p;
    let i = start + 1;
    const negate = p[i] === "!" || p[i] === "^";
    if (negate) i++;
    const members: string[] = [];
    let first = true;
    for (;;) {
      if (i >= p.length) return undefined;
      const c = String.fromCodePoint(p.codePointAt(i) as number);
      if (c === "]" && !first) break;
      first = false;
      i += c.length;
      const afterDash = p[i] === "-" && i + 1 < p.length && p[i + 1] !== "]" ? i + 1 : -1;
      if (afterDash >= 0) {
        const to = String.fromCodePoint(p.codePointAt(afterDash) as number);
        i = afterDash + to.length;
        // A reversed range (`[z-a]`) holds nothing.
        if ((c.codePointAt(0) as number) <= (to.codePointAt(0) as number)) {
          members.push(`${oldEscapeClass(c)}-${oldEscapeClass(to)}`);
        }
      } else members.push(oldEscapeClass(c));
    }
    const end = i + 1;
    // A class never matches `/`, whatever its members or ranges say.
    if (negate) return { source: `(?!/)[^${members.join("")}]`, end };
    return { source: members.length === 0 ? "(?!)" : `(?!/)[${members.join("")}]`, end };
  }

  /** The index of the `}` closing a brace group at `start` that has a top-level `,`, else undefined. */
  #braceEnd(start: number): number | undefined {
    const p = this.#p;
    let depth = 0;
    let comma = false;
    for (let i = start; i < p.length; i++) {
      const c = p[i];
      if (c === "[") {
        const cls = this.#class(i);
        if (cls) i = cls.end - 1;
      } else if (c === "{") {
        depth++;
      } else if (c === "}") {
        depth--;
        if (depth === 0) return comma ? i : undefined;
      } else if (c === "," && depth === 1) comma = true;
    }
    return undefined;
  }
}
