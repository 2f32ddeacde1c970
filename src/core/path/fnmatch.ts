/**
 * Python's `fnmatch.fnmatchcase` for one path segment, as pathlib's `match` uses it: `*` any run,
 * `?` one character, `[abc]`/`[a-z]`/`[!abc]` sets (an unclosed `[` is literal). Ported from
 * CPython 3.11's `fnmatch._translate` so edge cases (empty ranges, `]` first in a set) agree.
 */

const compiled = new Map<string, RegExp>();

export function fnmatch(name: string, pattern: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${translate(pattern)})$`, "su");
    if (compiled.size > 256) compiled.clear();
    compiled.set(pattern, re);
  }
  return re.test(name);
}

// What `escapeChar` escapes: the syntax characters and `/`, the only identity escapes the `u` flag
// allows (`\-` is valid inside a class only, and outside one `-` means itself).
const SPECIAL = /[.*+?^${}()|[\]\\/]/g;

function escapeChar(c: string): string {
  return c.replace(SPECIAL, "\\$&");
}

function escapeInSet(s: string): string {
  return s.replace(/[\\\]-]/g, "\\$&");
}

/** A `*` among the pieces {@link translate} joins. */
const STAR = Symbol("star");

/**
 * The pattern's regular expression source. Every piece but a `*` matches exactly one character,
 * which is what makes the atomic groups below exact.
 */
function translate(pat: string): string {
  const chars = [...pat];
  const n = chars.length;
  const pieces: (string | typeof STAR)[] = [];
  let i = 0;
  while (i < n) {
    const c = chars[i] as string;
    i++;
    if (c === "*") {
      if (pieces.at(-1) !== STAR) pieces.push(STAR);
    } else if (c === "?") pieces.push("[^]");
    else if (c === "[") {
      let j = i;
      if (j < n && chars[j] === "!") j++;
      if (j < n && chars[j] === "]") j++;
      while (j < n && chars[j] !== "]") j++;
      if (j >= n) {
        pieces.push("\\[");
        continue;
      }
      pieces.push(set(chars.slice(i, j)));
      i = j + 1;
    } else pieces.push(escapeChar(c));
  }
  return joinPieces(pieces);
}

/**
 * Joins the pieces, turning every `*` but the last into an atomic group, as CPython's
 * `fnmatch.translate` (Lib/fnmatch.py) does: a greedy `[^]*` per star lets the engine retry every
 * split of the name among the stars, so `*a*a*a…*b` against `aaaa…` takes time growing with the
 * name's length to the power of the number of stars (a denial of service). Between two stars the
 * pieces match a fixed number of characters, so the leftmost place they match is as good as any
 * other (a later star takes up the difference): each `*` before them takes the shortest run
 * (`[^]*?`) and is never retried. JavaScript has no atomic group `(?>…)`; a lookahead, which is
 * never backtracked into, capturing what it saw and a backreference consuming it, is the same
 * (CPython's emulation before 3.11: `(?=(?P<gN>.*?fixed))(?P=gN)`). The last `*` stays greedy.
 */
function joinPieces(pieces: (string | typeof STAR)[]): string {
  let out = "";
  let group = 0;
  let i = 0;
  while (i < pieces.length && pieces[i] !== STAR) out += pieces[i++] as string;
  while (i < pieces.length) {
    i++; // the star
    let fixed = "";
    while (i < pieces.length && pieces[i] !== STAR) fixed += pieces[i++] as string;
    if (i === pieces.length) out += `[^]*${fixed}`;
    else {
      group++;
      out += `(?=(?<g${group}>[^]*?${fixed}))\\k<g${group}>`;
    }
  }
  return out;
}

/** One `[...]` set (its inside, without brackets), with CPython's range handling. */
function set(inside: string[]): string {
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
  const parts = chunks.map((c) => escapeInSet(c.join("")));
  const stuff = parts.join("-");
  if (stuff === "") return negate ? "[^]" : "(?!)";
  return negate ? `[^${stuff}]` : `[${stuff.startsWith("^") ? `\\${stuff}` : stuff}]`;
}
