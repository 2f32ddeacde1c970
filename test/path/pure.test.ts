/**
 * AutoPath's pure arithmetic against Python's own answers: `pure-fixture.json` holds what
 * `pathlib.PurePosixPath` (the system python3, see make-fixture.py) says for each case. Absolute
 * cases run a second time as `s3://bkt/...` URIs, where the same rules apply to the path part.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AutoPath, InvalidKeyError } from "../../src/core/index.js";

interface Case {
  path: string;
  op: "props" | "withSuffix" | "withName" | "withStem" | "relativeTo" | "match" | "joinpath";
  arg?: string | string[];
  expect: Record<string, unknown> | { ok: unknown } | { error: true };
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "pure-fixture.json"), "utf8")) as {
  cases: Case[];
};

const BKT = "s3://bkt";
/** A local absolute result as the URI twin says it. */
const toUri = (s: string): string => (s === "/" ? BKT : s.startsWith("/") ? BKT + s : s);

function run(c: Case, uri: boolean): unknown {
  const p = new AutoPath(uri ? toUri(c.path) : c.path);
  const arg = c.arg as string;
  const mapArg = (a: string) => (uri ? toUri(a) : a);
  try {
    switch (c.op) {
      case "props":
        return {
          str: String(p),
          name: p.name,
          stem: p.stem,
          suffix: p.suffix,
          suffixes: p.suffixes,
          parent: String(p.parent),
          parents: p.parents.map(String),
          parts: p.parts,
          isAbsolute: p.isAbsolute(),
          asPosix: p.asPosix(),
          asUri: p.isAbsolute() ? p.asUri() : null,
        };
      case "withSuffix":
        return { ok: String(p.withSuffix(arg)) };
      case "withName":
        return { ok: String(p.withName(arg)) };
      case "withStem":
        return { ok: String(p.withStem(arg)) };
      case "relativeTo":
        return { ok: String(p.relativeTo(mapArg(arg))) };
      case "match":
        return { ok: p.match(arg) };
      case "joinpath":
        return { ok: String(p.joinpath(...(c.arg as string[]))) };
    }
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidKeyError);
    return { error: true };
  }
}

function expected(c: Case, uri: boolean): unknown {
  if (!uri) return c.expect;
  if (c.op === "props") {
    const e = c.expect as Record<string, unknown>;
    const asUri = (e.asUri as string).replace(/^file:\/\//, "");
    return {
      ...e,
      str: toUri(e.str as string),
      parent: toUri(e.parent as string),
      parents: (e.parents as string[]).map(toUri),
      parts: (e.parts as string[]).map((x, i) => (i === 0 ? BKT : x)),
      asPosix: toUri(e.asPosix as string),
      asUri: toUri(asUri),
    };
  }
  if ("ok" in c.expect && typeof c.expect.ok === "string" && c.op !== "relativeTo") {
    return { ok: toUri(c.expect.ok) };
  }
  return c.expect;
}

describe("pure path arithmetic agrees with pathlib.PurePosixPath", () => {
  it("has at least 200 cases", () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(200);
  });

  it("on local paths", () => {
    const wrong = fixture.cases
      .map((c) => ({ c, got: run(c, false) }))
      .filter(({ c, got }) => JSON.stringify(got) !== JSON.stringify(expected(c, false)));
    expect(wrong.map(({ c, got }) => ({ ...c, got }))).toEqual([]);
  });

  it("on s3:// URIs, for every absolute case (same rules on the path part)", () => {
    // `//x` is POSIX's implementation-defined root, which URIs do not have.
    const absolute = fixture.cases.filter((c) => c.path.startsWith("/") && !c.path.startsWith("//"));
    expect(absolute.length).toBeGreaterThan(200);
    const wrong = absolute
      .map((c) => ({ c, got: run(c, true) }))
      .filter(({ c, got }) => JSON.stringify(got) !== JSON.stringify(expected(c, true)));
    expect(wrong.map(({ c, got }) => ({ ...c, got }))).toEqual([]);
  });
});
