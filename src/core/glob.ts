/**
 * Glob patterns for `listFiles`. Only this syntax is special; every other character (parentheses,
 * `!`, `+`, `@`, `#`, spaces…) matches itself:
 *
 * - `*` any run of characters within a segment, `?` one character (a code point) within a segment;
 * - `**` as a whole segment: any number of segments, none included (`a/**` takes in `a` itself);
 * - `[abc]`, `[a-z]`, `[!abc]` / `[^abc]` one character of (or not of) a class; `]` first in a class
 *   is a member, and inside a class every character is a member, so `[*]`, `[?]` and `[[]` match
 *   those characters literally. A `[` with no closing `]` is itself;
 * - `{a,b}` either alternative (nestable); braces without a comma (`{a}`) are themselves.
 *
 * Keys never hold backslashes, so there are no backslash escapes.
 *
 * Patterns compile to one regular expression here rather than through picomatch: picomatch's extra
 * syntax (extglobs `!(…)`, `+(…)`, `@(…)`, regex groups in parentheses, brackets that also match
 * themselves) cannot all be switched off, and a file named `report (1).json` must match itself.
 * What is ours besides is the literal prefix, so a listing only covers the part of the store the
 * pattern can match (`data/2024/*.json` lists `data/2024/`, never all of `data/`).
 */

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
  const parser = new Parser(pattern);
  const source = parser.compile();
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
const escapeRegex = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/gu, "\\$&");
const escapeClass = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/-]/gu, "\\$&");

/** A piece of a pattern, before {@link Parser.compile} joins the pieces into one expression. */
type Token =
  /**
   * Matches exactly `length` characters (code points), none of them `/` unless `slash`: a literal
   * character, `?`, a class, or a brace group whose alternatives are all such and of one length.
   */
  | { kind: "fixed"; source: string; length: number; slash: boolean }
  /** `*` (or a `**` that is not a whole segment): any run within a segment. */
  | { kind: "star" }
  /** A whole `**` and the `/` after it: any number of whole segments. */
  | { kind: "globstar" }
  /** Anything else: `**` ending the pattern, `a/**`, a brace group of other alternatives. */
  | { kind: "other"; source: string };

/** What a joined piece is, for the second pass of {@link Parser.compile}. */
interface Unit {
  /** `local`: matches within one segment (no `/`); `slash`: a literal `/`. */
  kind: "local" | "slash" | "globstar" | "other";
  source: string;
}

const STAR = "[^/]*";
const GLOBSTAR = "(?:[^/]*/)*";

class Parser {
  readonly #p: string;
  #i = 0;
  #groups = 0;
  /** Where the first wildcard, class or brace group starts (undefined: the pattern is literal). */
  firstMagic: number | undefined;

  constructor(pattern: string) {
    this.#p = pattern;
  }

  /** The whole pattern's regular expression source (without anchors). */
  compile(): string {
    return this.#join(this.#sequence(false));
  }

  /**
   * Joins a sequence's tokens, turning a wildcard into an atomic group where that is exact, as
   * CPython's `fnmatch.translate` (Lib/fnmatch.py) does for every `*` but the last: with a greedy
   * `[^/]*` per star the engine retries every split of a segment among the stars, so `*a*a*a…*b`
   * against `aaaa…` takes time growing with the key's length to the power of the number of stars
   * (a denial of service); `**` segments likewise among the folders. JavaScript has no atomic group
   * `(?>…)`: a lookahead (never backtracked into) capturing what it saw, and a backreference
   * consuming it, is one (CPython's emulation before 3.11: `(?=(?P<gN>.*?fixed))(?P=gN)`).
   *
   * An atomic wildcard takes the shortest run before what follows it, and that is as good as any
   * longer one (the wildcard after takes up the difference) in two cases:
   *
   * - `*` F `*`, F fixed tokens: F matches a fixed length, so from a leftmost place it ends no
   *   later, and the text in between holds no `/` for the next `*` (F does not match `/`, or its
   *   first literal `/` pins F to one place);
   * - `**` F `**` (both whole segments, with their `/`), F empty or segment-local tokens ending with
   *   a literal `/`: F spans a fixed number of segments, so from a leftmost folder it ends no later,
   *   on a segment boundary, and the whole segments in between are the next `**`'s.
   *
   * Elsewhere (before a brace group of alternatives of different lengths, `a/**`, or the last
   * wildcard) the plain, backtracking form stays; it backtracks over that one wildcard only.
   */
  #join(tokens: Token[]): string {
    // First pass: `*` F `*`.
    const units: Unit[] = [];
    for (let i = 0; i < tokens.length; ) {
      const t = tokens[i] as Token;
      if (t.kind !== "star") {
        units.push(unitOf(t));
        i++;
        continue;
      }
      let j = i + 1;
      while (j < tokens.length && tokens[j]?.kind === "fixed") j++;
      if (j > i + 1 && tokens[j]?.kind === "star") {
        const fixed = tokens.slice(i + 1, j).map((x) => unitOf(x).source);
        units.push({ kind: "local", source: this.#atomic("[^/]*?", fixed.join("")) });
        i = j;
      } else {
        units.push({ kind: "local", source: STAR });
        i++;
      }
    }
    // Second pass: `**/` F `**/`, each `**` a whole segment.
    let out = "";
    for (let i = 0; i < units.length; ) {
      const u = units[i] as Unit;
      if (u.kind !== "globstar") {
        out += u.source;
        i++;
        continue;
      }
      let j = i + 1;
      while (j < units.length && (units[j]?.kind === "local" || units[j]?.kind === "slash")) j++;
      if (units[j]?.kind === "globstar" && (j === i + 1 || units[j - 1]?.kind === "slash")) {
        const between = units.slice(i + 1, j).map((x) => x.source);
        out += this.#atomic("(?:[^/]*/)*?", between.join(""));
        i = j;
      } else {
        out += GLOBSTAR;
        i++;
      }
    }
    return out;
  }

  /** The atomic group `(?>lazy fixed)`, emulated (see {@link Parser.#join}). */
  #atomic(lazy: string, fixed: string): string {
    const name = `g${++this.#groups}`;
    return `(?=(?<${name}>${lazy}${fixed}))\\k<${name}>`;
  }

  /** Parses until the end, or (in a brace group) until the `,` or `}` that ends the alternative. */
  #sequence(inBraces: boolean): Token[] {
    const out: Token[] = [];
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
        if (!whole) out.push({ kind: "star" });
        else if (end === p.length) out.push({ kind: "other", source: ".*" });
        else {
          out.push({ kind: "globstar" });
          this.#i = end + 1; // the `/` after `**` is part of it
        }
        continue;
      }
      if (c === "/" && p.slice(at + 1) === "**" && !inBraces) {
        // `a/**` takes in `a` itself, as `**/x` takes in `x`: the literal prefix stops before the `/`.
        this.#magic(at);
        out.push({ kind: "other", source: "(?:/.*)?" });
        this.#i = p.length;
        continue;
      }
      if (c === "?") {
        this.#magic(at);
        out.push({ kind: "fixed", source: "[^/]", length: 1, slash: false });
        this.#i++;
        continue;
      }
      if (c === "[") {
        const cls = this.#class(at);
        if (cls) {
          this.#magic(at);
          out.push({ kind: "fixed", source: cls.source, length: 1, slash: false });
          this.#i = cls.end;
          continue;
        }
      }
      if (c === "{" && this.#braceEnd(at) !== undefined) {
        this.#magic(at);
        this.#i++;
        const alternatives: Token[][] = [];
        for (;;) {
          alternatives.push(this.#sequence(true));
          const stop = p[this.#i];
          this.#i++;
          if (stop === "}") break;
        }
        out.push(this.#braces(alternatives));
        continue;
      }
      const cp = String.fromCodePoint(p.codePointAt(at) as number);
      out.push({ kind: "fixed", source: escapeRegex(cp), length: 1, slash: cp === "/" });
      this.#i += cp.length;
    }
    return out;
  }

  /** A brace group: fixed when every alternative is fixed tokens of one total length, without `/`. */
  #braces(alternatives: Token[][]): Token {
    const source = `(?:${alternatives.map((a) => this.#join(a)).join("|")})`;
    const lengths = alternatives.map((a) =>
      a.every((t) => t.kind === "fixed" && !t.slash)
        ? a.reduce((sum, t) => sum + (t.kind === "fixed" ? t.length : 0), 0)
        : -1,
    );
    const length = lengths[0] as number;
    if (length >= 0 && lengths.every((l) => l === length))
      return { kind: "fixed", source, length, slash: false };
    return { kind: "other", source };
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
          members.push(`${escapeClass(c)}-${escapeClass(to)}`);
        }
      } else members.push(escapeClass(c));
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

/** A token joined as it is (a `*` or `**` here is one that stays plain). */
function unitOf(t: Token): Unit {
  switch (t.kind) {
    case "fixed":
      return { kind: t.slash ? "slash" : "local", source: t.source };
    case "star":
      return { kind: "local", source: STAR };
    case "globstar":
      return { kind: "globstar", source: GLOBSTAR };
    case "other":
      return { kind: "other", source: t.source };
  }
}
