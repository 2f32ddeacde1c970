/**
 * How the test HTTP servers answer a `Range` header (RFC 9110 §14): one range, `bytes=a-b`, `a-` or
 * the suffix `-n`. Written for the tests, apart from the library's own range code, so that the two
 * check each other.
 */

/** The part of a body a `Range` header asks for. */
export type RangeAnswer =
  /** No (usable) range: send the whole body with 200. */
  | { kind: "whole" }
  /** Send `[start, end)` with 206 and `Content-Range: bytes start-(end-1)/size`. */
  | { kind: "part"; start: number; end: number }
  /** The range starts past the end: 416 with `Content-Range: bytes * /size`. */
  | { kind: "unsatisfiable" };

export function answerRange(range: string | undefined, size: number): RangeAnswer {
  const match = range ? /^bytes=(\d*)-(\d*)$/.exec(range) : null;
  if (!match) return { kind: "whole" };
  let start: number;
  let end = size;
  if (match[1] === "") start = Math.max(0, size - Number(match[2]));
  else {
    start = Number(match[1]);
    if (match[2] !== "") end = Math.min(size, Number(match[2]) + 1);
  }
  return start >= size ? { kind: "unsatisfiable" } : { kind: "part", start, end };
}
