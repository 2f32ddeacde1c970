/**
 * Properties of AutoPath's arithmetic over generated paths: text round-trips, join and relativeTo
 * undo each other, suffix edits do what they say, and a URI behaves as the same path under `/`.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AutoPath } from "../../src/core/index.js";

// Names as users write them: dots, spaces, unicode, `%`, `#`, `?` (no `/`, not `.` or empty).
const segment = fc.stringMatching(/^[a-zA-Z0-9 ._%#?é日-]{1,12}$/).filter((s) => s !== "." && s !== "..");
const segments = fc.array(segment, { minLength: 1, maxLength: 5 });

describe("AutoPath arithmetic properties", () => {
  it("parses its own text back to an equal path", () => {
    fc.assert(
      fc.property(segments, fc.constantFrom("", "/", "s3://bkt/"), (segs, anchor) => {
        const p = new AutoPath(anchor + segs.join("/"));
        const again = new AutoPath(String(p));
        expect(again.equals(p)).toBe(true);
        expect(again.parts).toEqual(p.parts);
      }),
    );
  });

  it("joinpath and relativeTo undo each other", () => {
    fc.assert(
      fc.property(segments, segments, fc.constantFrom("", "/", "s3://bkt/"), (base, rest, anchor) => {
        const b = new AutoPath(anchor + base.join("/"));
        const joined = b.joinpath(...rest);
        expect(joined.isRelativeTo(b)).toBe(true);
        expect(String(joined.relativeTo(b))).toBe(rest.join("/"));
        expect(joined.parents.some((q) => q.equals(b))).toBe(true);
      }),
    );
  });

  it("withSuffix sets the suffix, withName the name, withStem keeps the suffix", () => {
    fc.assert(
      fc.property(segments, fc.stringMatching(/^\.[a-z0-9]{1,5}$/), segment, (segs, suffix, name) => {
        const p = new AutoPath(`s3://bkt/${segs.join("/")}`);
        const withSuffix = p.withSuffix(suffix);
        expect(withSuffix.parent.equals(p.parent)).toBe(true);
        if (!withSuffix.name.startsWith(".") || withSuffix.name.slice(1).includes(".")) {
          expect(withSuffix.suffix).toBe(suffix);
        }
        expect(p.withName(name).name).toBe(name);
        expect(p.withStem("stem").suffix).toBe(p.suffix);
      }),
    );
  });

  it("a URI answers as the same path under / does", () => {
    fc.assert(
      fc.property(segments, fc.constantFrom("*", "*.txt", "a*", "?", "[a-c]*"), (segs, pattern) => {
        const local = new AutoPath(`/${segs.join("/")}`);
        const uri = new AutoPath(`s3://bkt/${segs.join("/")}`);
        expect(uri.name).toBe(local.name);
        expect(uri.stem).toBe(local.stem);
        expect(uri.suffixes).toEqual(local.suffixes);
        expect(uri.parts.slice(1)).toEqual(local.parts.slice(1));
        expect(uri.match(pattern)).toBe(local.match(pattern));
        expect(uri.asUri().slice("s3://bkt".length)).toBe(local.asUri().slice("file://".length));
      }),
    );
  });
});
