/**
 * The benchmark harness's bookkeeping of peers: the order of calls rotates over every side, a peer's
 * wrong result or error is reported and never counts as a win, and a wrong subject fails the
 * scenario. No timing is asserted (the jobs do no work worth timing).
 */
import { describe, expect, it } from "vitest";
import { measureScenario, type Scenario } from "../../bench/harness.js";
import { plainKey, sameBytes, sameKeys, sameValues } from "../../bench/peers-common.js";
import { missReasons } from "../../bench/report.js";

const keys = ["a/x.json", "a/y.json", "b/z.json"];
const expected = keys.map(plainKey);

function listing(overrides: Partial<Scenario> = {}): Scenario {
  return {
    name: "listing",
    check: sameKeys(() => expected, plainKey),
    baseline: async () => keys,
    subject: async () => ["a/x", "a/y", "b/z"],
    ...overrides,
  };
}

describe("peers in the benchmark harness", () => {
  it("rotates the order of all sides by one each round", async () => {
    const calls: string[] = [];
    const side = (name: string) => async () => {
      calls.push(name);
      return keys;
    };
    await measureScenario(
      listing({
        baseline: side("b"),
        subject: side("s"),
        peers: [
          { name: "p", run: side("p") },
          { name: "q", run: side("q") },
        ],
      }),
      3,
    );
    expect(calls.join("")).toBe("bspq" + "spqb" + "pqbs" + "qbsp");
  });

  it("keeps the two-sided order of scenarios without peers: alternate, baseline first", async () => {
    const calls: string[] = [];
    await measureScenario(
      {
        name: "two",
        baseline: async () => calls.push("b"),
        subject: async () => calls.push("s"),
      },
      3,
    );
    expect(calls.join("")).toBe("bssbbssb");
  });

  it("reports a peer's wrong result as wrong, with the reason, and not as a win", async () => {
    const result = await measureScenario(
      listing({ peers: [{ name: "short", run: async () => ["a:x.json"] }] }),
      2,
    );
    expect(result.status).toBe("pass");
    const [peer] = result.peers;
    expect(peer?.status).toBe("wrong");
    expect(peer?.reason).toBe("1 of 3 keys");
    expect(peer?.stats?.samples).toHaveLength(2);
  });

  it("reports a peer that throws as an error and stops calling it", async () => {
    let calls = 0;
    const result = await measureScenario(
      listing({
        peers: [
          {
            name: "broken",
            run: async () => {
              calls++;
              throw new Error("no such bucket\nstack…");
            },
          },
        ],
      }),
      3,
    );
    expect(calls).toBe(1);
    expect(result.status).toBe("pass");
    expect(result.peers[0]).toMatchObject({ status: "error", reason: "no such bucket", stats: null });
  });

  it("fails the scenario when the subject's result is wrong", async () => {
    const result = await measureScenario(listing({ subject: async () => ["a/x"] }), 1);
    expect(result.status).toBe("error");
    expect(result.error).toContain("subject returned a wrong result: 1 of 3 keys");
  });

  it("uses a peer's own check over the scenario's", async () => {
    const result = await measureScenario(
      listing({
        peers: [{ name: "other shape", run: async () => 3, check: (n) => (n === 3 ? undefined : "count") }],
      }),
      1,
    );
    expect(result.peers[0]?.status).not.toBe("wrong");
  });
});

describe("metric limits", () => {
  const withPeak = (peak: number | string) =>
    measureScenario(
      {
        name: "peak",
        baseline: async () => undefined,
        subject: async () => undefined,
        limits: { "peak MiB": 64 },
        metrics: () => ({ "peak MiB": peak }),
      },
      1,
    );

  it("passes a scenario whose limited metric is within its limit, and misses one above it", async () => {
    expect((await withPeak(64)).status).toBe("pass");
    const over = await withPeak(65);
    expect(over.status).toBe("miss");
    expect(missReasons(over)).toEqual(["peak MiB 65 > 64"]);
  });

  it("misses a scenario whose limited metric is not a number", async () => {
    expect((await withPeak("n/a")).status).toBe("miss");
  });
});

describe("peer checks", () => {
  it("sameBytes accepts Buffers and ArrayBuffers with the same bytes, and names the difference", () => {
    const want = new Uint8Array([1, 2, 3]);
    const check = sameBytes(() => want);
    expect(check(Buffer.from([1, 2, 3]))).toBeUndefined();
    expect(check(new Uint8Array([1, 2, 3]).buffer)).toBeUndefined();
    expect(check(new Uint8Array([1, 2]))).toBe("2 of 3 bytes");
    expect(check(new Uint8Array([1, 2, 4]))).toBe("bytes differ");
    expect(check("abc")).toBe("returned string, not bytes");
  });

  it("sameValues counts values that differ and values missing", () => {
    const check = sameValues([{ a: 1 }, { a: 2 }]);
    expect(check([{ a: 1 }, { a: 2 }])).toBeUndefined();
    expect(check([{ a: 1 }, { a: 3 }])).toBe("1 of 2 values differ");
    expect(check([{ a: 1 }])).toBe("1 of 2 values");
  });

  it("sameKeys ignores order and separators, and counts keys that should not be there", () => {
    const check = sameKeys(() => expected, plainKey);
    expect(check(["b:z.json", "a\\x.json", "a/y"])).toBeUndefined();
    expect(check(["a/x", "a/y", "b/z", "c/extra"])).toBe("3 of 3 keys, 1 unexpected");
  });
});
