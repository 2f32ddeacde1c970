/**
 * Generated keys for property-based tests: every printable ASCII character but `/` and `\`, the
 * characters URLs reserve (`? % # + & = ; : @ $ , [ ] ! ' ( ) *`), spaces, non-ASCII letters in both
 * Unicode normal forms (NFC `é` and NFD `e` + U+0301), CJK and astral characters, and long segments
 * (up to `maxSegmentBytes` UTF-8 bytes: s3rver stores each segment as a file name, so a folder
 * segment over 255 bytes crashes it, and a file name over 233 gets a 500).
 */
import fc from "fast-check";

const encoder = new TextEncoder();

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter(
  (c) => c !== "/" && c !== "\\",
);
const RESERVED = [
  "?",
  "%",
  "#",
  "+",
  "&",
  "=",
  ";",
  ":",
  "@",
  "$",
  ",",
  "[",
  "]",
  "!",
  "'",
  "(",
  ")",
  "*",
  " ",
];
const UNICODE = [
  "\u00e9",
  "e\u0301",
  "\u00c5",
  "A\u030a",
  "\u00fc",
  "\u6f22",
  "\u5b57",
  "\u{1f600}",
  "\u00a0",
];

/** One character (or NFD sequence), weighted towards the ones that need escaping. */
const character = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PRINTABLE) },
  { weight: 3, arbitrary: fc.constantFrom(...RESERVED) },
  { weight: 2, arbitrary: fc.constantFrom(...UNICODE) },
);

/** Cuts a string to at most `max` UTF-8 bytes, at a character boundary. */
export function truncateBytes(text: string, max: number): string {
  let out = "";
  let size = 0;
  for (const char of text) {
    const n = encoder.encode(char).length;
    if (size + n > max) break;
    out += char;
    size += n;
  }
  return out;
}

/** A key segment: never empty, `.` or `..`, and at most `maxSegmentBytes` bytes. */
export function segment(maxSegmentBytes: number): fc.Arbitrary<string> {
  const short = fc.array(character, { minLength: 1, maxLength: 12 }).map((chars) => chars.join(""));
  const long = fc
    .tuple(character, fc.integer({ min: maxSegmentBytes - 8, max: maxSegmentBytes }))
    .map(([char, size]) => truncateBytes(char.repeat(size), size));
  return fc
    .oneof({ weight: 6, arbitrary: short }, { weight: 1, arbitrary: long })
    .filter((s) => s !== "" && s !== "." && s !== "..");
}

/**
 * A key of 1 to 3 segments ending in `suffix` (an extension such as `.bin`). `maxLastSegmentBytes`
 * bounds the file name apart (s3rver stores it as `<name>._S3rver_metadata.json`: 233 bytes at most).
 */
export function keyArbitrary(options: {
  maxSegmentBytes: number;
  maxLastSegmentBytes?: number;
  suffix?: string;
}): fc.Arbitrary<string> {
  const suffix = options.suffix ?? "";
  const lastBytes = options.maxLastSegmentBytes ?? options.maxSegmentBytes;
  const last = segment(lastBytes - encoder.encode(suffix).length).map((s) => s + suffix);
  return (
    fc
      .tuple(fc.array(segment(options.maxSegmentBytes), { maxLength: 2 }), last)
      .map(([dirs, file]) => [...dirs, file].join("/"))
      // `C:/…` reads as a drive path, which keys refuse.
      .filter((key) => encoder.encode(key).length <= 900 && !/^[a-zA-Z]:/.test(key))
  );
}
