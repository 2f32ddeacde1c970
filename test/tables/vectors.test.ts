/**
 * Columns inferred from text are laid out by hand (Cloudflare Workers refuse the `new Function` that
 * apache-arrow's builders compile): for any column of every kind, the vector equals what
 * apache-arrow's own `vectorFromArray` builds from the same values, type, nulls and all.
 */
import * as arrow from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arrowTypeOf, buildVector, convertValue, inferKind } from "../../src/core/tables/infer.js";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const day = fc.record({
  y: fc.integer({ min: 1900, max: 2100 }),
  m: fc.integer({ min: 1, max: 12 }),
  d: fc.integer({ min: 1, max: 28 }),
});
const dateText = day.map(({ y, m, d }) => `${y}-${pad(m)}-${pad(d)}`);
const time = fc.tuple(
  fc.integer({ min: 0, max: 23 }),
  fc.integer({ min: 0, max: 59 }),
  fc.integer({ min: 0, max: 59 }),
  fc.integer({ min: 0, max: 999 }),
);
const dateTimeText = fc
  .tuple(dateText, time)
  .map(([d, [h, mi, s, ms]]) => `${d}T${pad(h)}:${pad(mi)}:${pad(s)}.${pad(ms, 3)}`);

/** Cells of one kind each, so every kind is inferred often, with nulls (empty cells) mixed in. */
const cellsOfOneKind = fc.oneof(
  fc.array(fc.boolean().map((b) => (b ? "True" : "false"))),
  fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map(String)),
  fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String)),
  fc.array(
    fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.constantFrom("inf", "-inf", "NaN"),
    ),
  ),
  fc.array(dateText),
  fc.array(dateTimeText),
  fc.array(dateTimeText.map((t) => `${t}Z`)),
  fc.array(fc.string({ unit: "grapheme", maxLength: 12 })),
);
const column = fc
  .tuple(cellsOfOneKind, fc.array(fc.boolean()))
  .map(([cells, holes]) => cells.map((c, i) => (holes[i] || c === "" ? null : c)));

describe("inferred columns", () => {
  it("equal apache-arrow's builders for every kind", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(column, (values) => {
        const kind = inferKind(values);
        seen.add(kind);
        const type = arrowTypeOf(arrow, kind);
        const expected = arrow.vectorFromArray(
          values.map((v) => convertValue(kind, v)),
          type,
        );
        const actual = buildVector(arrow, kind, values);
        expect(String(actual.type)).toBe(String(expected.type));
        expect(actual.length).toBe(values.length);
        expect(actual.nullCount).toBe(expected.nullCount);
        expect([...actual]).toEqual([...expected]);
        // Through Arrow IPC too: what a Parquet or Arrow writer would read.
        const names = { c: actual };
        const back = arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table(names)));
        expect([...(back.getChild("c") ?? [])]).toEqual([...expected]);
      }),
      { numRuns: 300 },
    );
    expect([...seen].sort()).toEqual(
      ["bool", "date", "float64", "int32", "int64", "string", "timestamp", "timestamptz"].sort(),
    );
  });
});
