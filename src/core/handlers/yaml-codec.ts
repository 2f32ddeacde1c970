/**
 * YAML 1.1 as PyYAML reads and writes it, over the `yaml` package; loaded by {@link YamlHandler} on
 * its first decode or encode.
 */
import type { ScalarTag, Tags } from "yaml";
import { describeUnsupported, findUnsupported, type ValueRules } from "./exact.js";
import { decodeText, encodeText } from "./values.js";
import type { YamlHandler } from "./yaml.js";

// YAML 1.1, the version PyYAML reads and writes: a Python AutoStore user sees the same values
// (`yes` → true, `2024-01-02` → a date), and strings that PyYAML would read as something else are
// written quoted.
const YAML_VERSION = "1.1";

// What YAML keeps: the JSON kinds, -0, NaN and ±Infinity, unpaired surrogates (escaped), and dates
// with the four-digit years (1 to 9999) PyYAML's timestamps and Python's datetime hold.
const YAML_RULES: ValueRules = {
  format: "YAML",
  structured: false,
  date: (d) => {
    const year = d.getUTCFullYear();
    return year >= 1 && year <= 9999 ? undefined : "a Date outside the years 1 to 9999";
  },
  negativeZero: true,
  loneSurrogates: true,
  protoKey: true,
  nonFinite: true,
  bigints: "none",
  cycles: false,
};

// A string PyYAML (and `yaml` in 1.1 mode) reads back as itself when written plain: it starts with a
// letter, holds only letters, digits, `_`, `.`, `/`, `-` and inner spaces, and is no YAML 1.1 boolean
// or null word. Anything else is double-quoted: quoting is always safe, guessing is not (PyYAML
// resolves `1:30`, `0o17`, `1_000`, `=`, `<<`, `2024-01-02` and more, and refuses some characters).
const SAFE_PLAIN = /^[\p{L}_][\p{L}\p{N}_ ./-]*(?<! )$/u;
const RESERVED_WORD = /^(?:y|n|yes|no|true|false|on|off|null)$/i;

// Characters PyYAML refuses anywhere in a stream (C1 controls, U+FFFE/U+FFFF) or takes for line
// breaks (NEL, U+2028, U+2029), and U+FEFF. `doubleQuotedAsJSON` leaves them raw; every string that
// holds one is double-quoted, where a `\u` escape is valid, so they are escaped in the output.
const PYYAML_RAW_UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/**
 * Numbers as PyYAML's YAML 1.1 resolver reads them: a float needs a `.` in its mantissa and a sign in
 * its exponent (`1.0e+21`, not `1e+21`, which PyYAML reads as a string), and `-0` is `-0.0`.
 */
function yamlNumber(n: number): string {
  if (Number.isNaN(n)) return ".nan";
  if (!Number.isFinite(n)) return n > 0 ? ".inf" : "-.inf";
  if (Object.is(n, -0)) return "-0.0";
  // Beyond 2^53 the shortest digits are not the integer's own (2^60 prints as 1152921504606847000),
  // which PyYAML would read as a different int: write such numbers as floats.
  const text = Math.abs(n) > Number.MAX_SAFE_INTEGER ? n.toExponential() : String(n);
  const e = text.indexOf("e");
  return e >= 0 && !text.slice(0, e).includes(".") ? `${text.slice(0, e)}.0${text.slice(e)}` : text;
}

const MERGE_TAG = "tag:yaml.org,2002:merge";

const NUMBER_TAG: ScalarTag = {
  identify: (value) => typeof value === "number",
  default: true,
  tag: "tag:yaml.org,2002:float",
  // The writer prefers tags with a test; this one is for writing only, so its test never matches.
  test: /(?!)/,
  resolve: (text) => Number(text),
  stringify: (node) => yamlNumber(node.value as number),
};

// A date as a full UTC timestamp (`2024-01-02T00:00:00Z`): `yaml` would write a midnight as a bare
// date and other times without a zone, which PyYAML reads as a `date` or a naive `datetime`.
const DATE_TAG: ScalarTag = {
  identify: (value) => value instanceof Date,
  default: true,
  tag: "tag:yaml.org,2002:timestamp",
  test: /(?!)/,
  resolve: (text) => new Date(text),
  stringify: (node) => (node.value as Date).toISOString().replace(".000Z", "Z"),
};

const TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp";

// Where `yaml`'s YAML 1.1 schema resolves plain scalars differently from PyYAML, PyYAML's patterns
// (its resolver, `yaml/resolver.py` of PyYAML 6): YAML 1.1 also reads `y`/`n` as booleans, `1e+5` and
// `1.0e5` as floats, and `08`, `0_1` or `0:30` as integers, all of which PyYAML reads, and so writes
// unquoted, as strings (`{x: 1, y: 2}`). Keyed by tag, then by the pattern `yaml` has for it.
const PYYAML_PATTERNS: Record<string, (test: RegExp, format: string | undefined) => RegExp | undefined> = {
  "tag:yaml.org,2002:bool": (test) =>
    test.test("yes") ? /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/ : /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
  "tag:yaml.org,2002:int": (_, format) =>
    format === undefined
      ? /^[-+]?(?:0|[1-9][0-9_]*)$/
      : format === "TIME"
        ? /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/
        : undefined,
  "tag:yaml.org,2002:float": (test, format) =>
    format === "EXP"
      ? /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*[eE][-+][0-9]+|\.[0-9][0-9_]*[eE][-+][0-9]+)$/
      : format === undefined && test.test("1.5")
        ? /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/
        : undefined,
};

// The reader's tags: PyYAML's patterns for plain scalars (above), and the timestamp tag wrapped
// because `yaml` reads the years 0 to 99 as 1900 to 1999 (Date.UTC's two-digit years) while Python
// writes `datetime.min` as 0001-01-01.
function pyyamlTags(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag === "string" || !("resolve" in tag)) return tag;
    const scalar = tag as ScalarTag;
    const pattern = scalar.test && PYYAML_PATTERNS[scalar.tag]?.(scalar.test, scalar.format);
    if (pattern) return { ...scalar, test: pattern };
    if (scalar.tag !== TIMESTAMP_TAG) return tag;
    const resolve: ScalarTag["resolve"] = (text, onError, options) =>
      inOwnYear(text, scalar.resolve(text, onError, options));
    return { ...scalar, resolve };
  });
}

function inOwnYear(text: string, resolved: unknown): unknown {
  const match = /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(text);
  if (!match || !(resolved instanceof Date) || Number(match[1]) >= 100) return resolved;
  const [year, month, day] = [Number(match[1]), Number(match[2]) - 1, Number(match[3])];
  // The time of day and zone as `yaml` applied them, moved onto the right day.
  const timeOfDay = resolved.getTime() - Date.UTC(1900 + year, month, day);
  const start = new Date(0);
  start.setUTCFullYear(year, month, day);
  return new Date(start.getTime() + timeOfDay);
}

/** {@link YamlHandler.decode}. */
export async function decodeYaml(bytes: Uint8Array): Promise<unknown> {
  const { parseDocument } = await import("yaml");
  const doc = parseDocument(decodeText(bytes), { version: YAML_VERSION, customTags: pyyamlTags });
  if (doc.errors.length > 0) throw doc.errors[0];
  // A tag the schema does not know (`!!python/tuple`, `!custom`) fails, as in PyYAML's `safe_load`,
  // rather than reading as its untagged value with a warning on stderr (what `yaml`'s `parse` does).
  // A known tag whose text it cannot resolve (`!!float 1`) reads as that text, as before.
  const known = new Set(doc.schema.tags.map((tag) => tag.tag));
  for (const warning of doc.warnings) {
    const tag = /^Unresolved tag: (\S+)/.exec(warning.message)?.[1];
    if (warning.code === "TAG_RESOLVE_FAILED" && (tag === undefined || !known.has(tag))) throw warning;
  }
  return doc.toJS();
}

/** {@link YamlHandler.encode}. */
export async function encodeYaml(value: unknown): Promise<Uint8Array> {
  const found = findUnsupported(value, YAML_RULES);
  if (found) throw new TypeError(`${describeUnsupported(found)}; use .cbor`);
  const { Document, visit } = await import("yaml");
  const doc = new Document(value, {
    version: YAML_VERSION,
    // Written out in full: PyYAML reads anchors, but a repeated object is two values to a reader.
    aliasDuplicateObjects: false,
    // Without the merge tag, a "<<" string is a string (and quoted like any other), never a merge key.
    merge: false,
    customTags: (tags) => [
      NUMBER_TAG,
      DATE_TAG,
      ...tags.filter((t) => typeof t === "string" || t.tag !== MERGE_TAG),
    ],
  });
  visit(doc, {
    Scalar(_, node) {
      if (
        typeof node.value === "string" &&
        !(SAFE_PLAIN.test(node.value) && !RESERVED_WORD.test(node.value))
      ) {
        node.type = "QUOTE_DOUBLE";
      }
    },
  });
  const text = doc.toString({ doubleQuotedAsJSON: true, lineWidth: 0 });
  return encodeText(
    text.replace(PYYAML_RAW_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
  );
}
