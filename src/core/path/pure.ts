/**
 * Path arithmetic with pathlib's `PurePosixPath` rules, synchronous and free of I/O. A local path has
 * an anchor of `""` (relative), `/` or `//` (POSIX keeps exactly two leading slashes); a URI has the
 * anchor `scheme://host` (`s3://bucket`) and an absolute POSIX path after it. `file://` URIs of this
 * machine are local absolute paths (percent-decoded), as pathlib's `Path.from_uri` makes them.
 */
import { InvalidKeyError } from "../errors.js";
import { fnmatch } from "./fnmatch.js";

/** A parsed path. Segments never hold `/`, `""` or `.`; `..` is kept, as pathlib keeps it. */
export interface PurePath {
  /** `""`, `/`, `//` for local paths; `scheme://host` for URIs. */
  readonly anchor: string;
  readonly segments: readonly string[];
  /** The scheme: `file` for local paths, else the URI's (lower-cased). */
  readonly scheme: string;
  /** True for `scheme://` paths. */
  readonly uri: boolean;
  /** A URL's query (`?X-Amz-Signature=…`), kept on the path it came with and dropped by arithmetic. */
  readonly query?: string;
}

const URI = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/]*)(.*)$/s;
// Only URLs have queries; in an object key (`s3://b/what?.txt`) `?` is a character like any other.
const QUERY_SCHEMES = new Set(["http", "https"]);

function invalid(message: string, key: string): InvalidKeyError {
  return new InvalidKeyError(message, { key });
}

function splitSegments(path: string): string[] {
  return path.split("/").filter((s) => s !== "" && s !== ".");
}

/** Parses a local path or a URI. */
export function parsePath(text: string): PurePath {
  if (typeof text !== "string") throw invalid(`a path must be a string (got ${typeof text})`, String(text));
  const match = URI.exec(text);
  if (match) {
    const scheme = (match[1] as string).toLowerCase();
    const host = match[2] as string;
    let rest = match[3] as string;
    let query: string | undefined;
    const q = QUERY_SCHEMES.has(scheme) ? rest.indexOf("?") : -1;
    if (q >= 0) {
      query = rest.slice(q);
      rest = rest.slice(0, q);
    }
    if (scheme === "file" && (host === "" || host.toLowerCase() === "localhost")) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(rest);
      } catch (err) {
        throw new InvalidKeyError(`invalid file URI ${JSON.stringify(text)}: bad percent escape`, {
          key: text,
          cause: err,
        });
      }
      return parseLocal(decoded === "" ? "/" : decoded);
    }
    const path: PurePath = {
      anchor: `${scheme}://${host}`,
      segments: splitSegments(rest),
      scheme,
      uri: true,
    };
    return query ? { ...path, query } : path;
  }
  return parseLocal(text);
}

function parseLocal(text: string): PurePath {
  let anchor = "";
  if (text.startsWith("/")) anchor = text.startsWith("//") && !text.startsWith("///") ? "//" : "/";
  return { anchor, segments: splitSegments(text), scheme: "file", uri: false };
}

function make(base: PurePath, anchor: string, segments: readonly string[]): PurePath {
  return { anchor, segments, scheme: base.scheme, uri: base.uri };
}

/** The path as text: pathlib's `str()`; a URI has no trailing slash; an empty relative path is `.`. */
export function formatPath(p: PurePath): string {
  return formatBare(p) + (p.query ?? "");
}

function formatBare(p: PurePath): string {
  const body = p.segments.join("/");
  if (p.uri) return body === "" ? p.anchor : `${p.anchor}/${body}`;
  if (p.anchor === "" && body === "") return ".";
  return p.anchor + body;
}

/** pathlib's `parts`: the anchor (when there is one), then each segment. */
export function partsOf(p: PurePath): string[] {
  return p.anchor === "" ? [...p.segments] : [p.anchor, ...p.segments];
}

export function nameOf(p: PurePath): string {
  return p.segments.at(-1) ?? "";
}

export function suffixOf(p: PurePath): string {
  const name = nameOf(p);
  const i = name.lastIndexOf(".");
  return i > 0 && i < name.length - 1 ? name.slice(i) : "";
}

export function suffixesOf(p: PurePath): string[] {
  const name = nameOf(p);
  if (name.endsWith(".")) return [];
  return name
    .replace(/^\.+/, "")
    .split(".")
    .slice(1)
    .map((s) => `.${s}`);
}

export function stemOf(p: PurePath): string {
  const name = nameOf(p);
  const i = name.lastIndexOf(".");
  return i > 0 && i < name.length - 1 ? name.slice(0, i) : name;
}

/** The logical parent; the anchor (or `.`) is its own parent. */
export function parentOf(p: PurePath): PurePath {
  if (p.segments.length === 0) return make(p, p.anchor, p.segments);
  return make(p, p.anchor, p.segments.slice(0, -1));
}

/** Every ancestor, nearest first, ending with the anchor (or `.`). */
export function parentsOf(p: PurePath): PurePath[] {
  const out: PurePath[] = [];
  for (let n = p.segments.length - 1; n >= 0; n--) out.push(make(p, p.anchor, p.segments.slice(0, n)));
  return out;
}

export function isAbsolutePath(p: PurePath): boolean {
  return p.anchor !== "";
}

/**
 * pathlib's `joinpath`: an absolute segment (`/x`) restarts the path (a URI keeps its anchor); a full
 * URI replaces it; `""` and `.` add nothing.
 */
export function joinPaths(p: PurePath, others: readonly string[]): PurePath {
  let out: PurePath = make(p, p.anchor, p.segments);
  for (const other of others) {
    if (typeof other !== "string") throw invalid(`joinpath: segments must be strings`, String(other));
    const next = parsePath(other);
    if (next.uri || (next.anchor !== "" && !out.uri)) out = next;
    else if (next.anchor !== "") out = make(out, out.anchor, next.segments);
    else out = make(out, out.anchor, [...out.segments, ...next.segments]);
  }
  return out;
}

/** pathlib's `with_name`: the path must have a name, and the new one must be a single segment. */
export function withNameOf(p: PurePath, name: string): PurePath {
  const shown = formatBare(p);
  if (nameOf(p) === "") throw invalid(`withName: ${JSON.stringify(shown)} has an empty name`, shown);
  if (typeof name !== "string" || name === "" || name.endsWith("/") || name.startsWith("/")) {
    throw invalid(`withName: invalid name ${JSON.stringify(name)}`, shown);
  }
  const parsed = splitSegments(name);
  if (parsed.length !== 1) throw invalid(`withName: invalid name ${JSON.stringify(name)}`, shown);
  return make(p, p.anchor, [...p.segments.slice(0, -1), parsed[0] as string]);
}

/** pathlib's `with_suffix`: `""` removes it; otherwise it must start with `.` and hold no `/`. */
export function withSuffixOf(p: PurePath, suffix: string): PurePath {
  const shown = formatBare(p);
  if (
    typeof suffix !== "string" ||
    suffix.includes("/") ||
    (suffix !== "" && !suffix.startsWith(".")) ||
    suffix === "."
  ) {
    throw invalid(
      `withSuffix: invalid suffix ${JSON.stringify(suffix)}: a suffix starts with '.' (e.g. ".bak"), or is "" to remove it`,
      shown,
    );
  }
  const name = nameOf(p);
  if (name === "") throw invalid(`withSuffix: ${JSON.stringify(shown)} has an empty name`, shown);
  const old = suffixOf(p);
  return make(p, p.anchor, [...p.segments.slice(0, -1), (old ? name.slice(0, -old.length) : name) + suffix]);
}

/** pathlib's `with_stem`: `with_name(stem + suffix)`. */
export function withStemOf(p: PurePath, stem: string): PurePath {
  return withNameOf(p, stem + suffixOf(p));
}

/** The relative path from `base` to `p`; `base` must be `p` or one of its ancestors. */
export function relativeOf(p: PurePath, base: PurePath): PurePath {
  const n = base.segments.length;
  const ok =
    base.anchor === p.anchor &&
    n <= p.segments.length &&
    base.segments.every((s, i) => s === p.segments[i]) &&
    !(n === 0 && base.anchor === "" && p.anchor !== "");
  if (!ok) {
    throw invalid(
      `relativeTo: ${JSON.stringify(formatBare(p))} is not in the subpath of ${JSON.stringify(formatBare(base))}`,
      formatBare(p),
    );
  }
  return { anchor: "", segments: p.segments.slice(n), scheme: "file", uri: false };
}

/**
 * pathlib's `match`: a relative pattern matches from the right, segment by segment (`**` is one
 * segment here, as `*`); an absolute pattern (or a URI) must match the whole path.
 */
export function matchOf(p: PurePath, pattern: string): boolean {
  if (typeof pattern !== "string") throw invalid("match: the pattern must be a string", String(pattern));
  const pat = parsePath(pattern);
  const patParts = partsOf(pat);
  if (patParts.length === 0) throw invalid("match: empty pattern", formatBare(p));
  let parts = partsOf(p);
  let patterns = patParts;
  if (pat.anchor !== "") {
    // `/x/*` against a URI matches the path part after its anchor.
    if (p.uri && !pat.uri) parts = ["/", ...p.segments];
    else if (pat.anchor !== p.anchor) return false;
    if (patterns.length !== parts.length) return false;
    patterns = patterns.slice(1);
    parts = parts.slice(1);
  } else if (patterns.length > parts.length) return false;
  for (let i = 1; i <= patterns.length; i++) {
    if (!fnmatch(parts[parts.length - i] as string, patterns[patterns.length - i] as string)) return false;
  }
  return true;
}

// What pathlib's `as_uri` (urllib's `quote_from_bytes(safe="/")`) leaves as is.
const URI_SAFE = /[A-Za-z0-9_.~/-]/;
const utf8 = new TextEncoder();

/** Percent-encodes as `urllib.parse.quote(path, safe="/")` does. */
export function quotePath(path: string): string {
  let out = "";
  for (const ch of path) {
    if (URI_SAFE.test(ch)) out += ch;
    else for (const byte of utf8.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * pathlib's `as_uri`: `file://` + the percent-encoded absolute path; a URI keeps its anchor and gets
 * its path part encoded the same way. Undefined for a relative local path (the caller resolves it).
 */
export function asUriOf(p: PurePath): string | undefined {
  if (p.uri) {
    const body = p.segments.join("/");
    return body === "" ? p.anchor : `${p.anchor}/${quotePath(body)}${p.query ?? ""}`;
  }
  if (p.anchor === "") return undefined;
  return `file://${quotePath(formatBare(p))}`;
}

/** Equal paths: same anchor and segments (POSIX is case-sensitive). */
export function samePath(a: PurePath, b: PurePath): boolean {
  return (
    a.anchor === b.anchor &&
    (a.query ?? "") === (b.query ?? "") &&
    a.segments.length === b.segments.length &&
    a.segments.every((s, i) => s === b.segments[i])
  );
}
