/**
 * Odd and hostile inputs get a typed error or the right answer: full-URI keys under each `uriKeys`
 * policy, roots and options that would silently do the wrong thing, one URI naming one object, and
 * every public method called with arguments of any type.
 */
import { randomUUID } from "node:crypto";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { inspect } from "node:util";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AutoStore, isAutoStoreError, MemoryBackend, S3Options } from "../../src/node/index.js";
import { tempDir } from "../helpers/tmp.js";

let dir: { path: string; remove: () => Promise<void> };
let root: string;
let outside: string;
beforeEach(async () => {
  dir = await tempDir();
  root = join(dir.path, "root");
  outside = join(dir.path, "outside.txt");
  await writeFile(outside, "secret");
});
afterEach(async () => {
  await dir.remove();
});

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => "no error",
    (err: unknown) => err,
  );
}

function syncErrorOf(run: () => unknown): unknown {
  try {
    run();
    return "no error";
  } catch (err) {
    return err;
  }
}

describe("uriKeys", () => {
  it("keeps a store's local file URIs inside its root by default", async () => {
    const store = new AutoStore(root);
    const secret = pathToFileURL(outside).href;
    expect(isAutoStoreError(await errorOf(store.get(secret, { format: "txt" })), "PERMISSION_DENIED")).toBe(
      true,
    );
    const dotDot = `${pathToFileURL(root).href}/../outside.txt`;
    expect(isAutoStoreError(await errorOf(store.get(dotDot, { format: "txt" })), "PERMISSION_DENIED")).toBe(
      true,
    );
    const elsewhere = pathToFileURL(join(dir.path, "written.json")).href;
    expect(isAutoStoreError(await errorOf(store.set(elsewhere, { a: 1 })), "PERMISSION_DENIED")).toBe(true);
    expect((await readdir(dir.path)).sort()).toEqual(["outside.txt"]);
    // Inside the root, a file URI is just another name of a key.
    const inside = `${pathToFileURL(root).href}/sub/my%20file.json`;
    expect(await store.set(inside, { inside: true })).toBe(inside);
    expect(await store.get("sub/my file")).toEqual({ inside: true });
    expect(await store.get(inside)).toEqual({ inside: true });
  });

  it("reads local files anywhere only when the owner opts in with 'any'", async () => {
    const store = new AutoStore(root, { uriKeys: "any" });
    expect(await store.get(pathToFileURL(outside).href, { format: "txt" })).toBe("secret");
  });

  it("refuses every URI key with 'none', before any I/O", async () => {
    const store = new AutoStore(root, { uriKeys: "none" });
    const space = `none-${randomUUID()}`;
    for (const key of [
      `memory://${space}/a.json`,
      "s3://bucket/x.json",
      "http://169.254.169.254/latest",
      pathToFileURL(join(root, "x.json")).href,
    ]) {
      expect(isAutoStoreError(await errorOf(store.get(key)), "PERMISSION_DENIED"), key).toBe(true);
      expect(isAutoStoreError(await errorOf(store.set(key, 1)), "PERMISSION_DENIED"), key).toBe(true);
    }
    expect(store.listActiveBackends()).toEqual([`primary: ${root}`]);
    await store.set("plain", 1);
    expect(await store.get("plain")).toBe(1);
  });

  it("refuses a policy it does not know", () => {
    const err = syncErrorOf(() => new AutoStore(root, { uriKeys: "some" as "none" }));
    expect(isAutoStoreError(err, "CONFIG_ERROR")).toBe(true);
  });
});

describe("roots and options", () => {
  it("refuses roots that would quietly be a local folder", () => {
    for (const [bad, hint] of [
      ["s3:/bucket/x", "s3://bucket/x"],
      ["s3:bucket", "s3://bucket"],
      ["https:/host/base", "https://host/base"],
      ["~/data", "os.homedir()"],
      ["~", "os.homedir()"],
    ]) {
      const err = syncErrorOf(() => new AutoStore(bad as string));
      expect(isAutoStoreError(err, "CONFIG_ERROR"), bad).toBe(true);
      expect(String(err)).toContain(hint);
    }
  });

  it("refuses a second argument that is not an object of options", () => {
    for (const init of [null, 42, "x", [], true]) {
      const err = syncErrorOf(() => new AutoStore(root, init as never));
      expect(isAutoStoreError(err, "CONFIG_ERROR"), String(init)).toBe(true);
    }
  });

  it("refuses call options of the wrong type or with a typo, naming them", async () => {
    const store = new AutoStore(`memory://${randomUUID()}`);
    await store.set("k", { a: 1 });
    const wrongFormat = await errorOf(store.get("k", { format: 123 as never }));
    expect(isAutoStoreError(wrongFormat, "CONFIG_ERROR")).toBe(true);
    expect(String(wrongFormat)).toContain("format");
    const typo = await errorOf(store.get("k", { ignorecache: true } as never));
    expect(String(typo)).toContain("ignoreCache");
    expect(
      isAutoStoreError(await errorOf(store.set("k", 1, { signal: "no" as never })), "CONFIG_ERROR"),
    ).toBe(true);
    expect(isAutoStoreError(await errorOf(store.has("k", 5 as never)), "CONFIG_ERROR")).toBe(true);
    expect(await store.get("k")).toEqual({ a: 1 });
  });

  it("checks an S3 endpoint when it is given, and never shows its password", () => {
    expect(
      isAutoStoreError(
        syncErrorOf(() => new S3Options({ endpoint: "not a url" })),
        "CONFIG_ERROR",
      ),
    ).toBe(true);
    expect(
      isAutoStoreError(
        syncErrorOf(() => new S3Options({ endpoint: "ftp://host" })),
        "CONFIG_ERROR",
      ),
    ).toBe(true);
    const withPassword = syncErrorOf(
      () => new AutoStore("s3://bucket/", { endpoint: "http://user:hunter2@127.0.0.1:9000" }),
    );
    expect(isAutoStoreError(withPassword, "CONFIG_ERROR")).toBe(true);
    expect(String(withPassword)).not.toContain("hunter2");
    expect(inspect(withPassword)).not.toContain("hunter2");
    const fine = new S3Options({ endpoint: "http://127.0.0.1:9000" });
    expect(JSON.stringify(fine)).toContain("127.0.0.1:9000");
  });
});

describe("one URI, one object", () => {
  it("sees a memory folder root and the same folder's URI keys as one place", async () => {
    const space = `uri-${randomUUID()}`;
    const folder = new AutoStore(`memory://${space}/logs`);
    const whole = new AutoStore(`memory://${space}`);
    const other = new AutoStore(`memory://elsewhere-${randomUUID()}`);
    await folder.set("a", { via: "folder" });
    expect(await other.get(`memory://${space}/logs/a.json`)).toEqual({ via: "folder" });
    expect(await whole.get("logs/a")).toEqual({ via: "folder" });
    await other.set(`memory://${space}/logs/b.json`, { via: "uri" });
    expect(await folder.get("b")).toEqual({ via: "uri" });
    const keys: string[] = [];
    for await (const key of folder.keys()) keys.push(key);
    expect(keys.sort()).toEqual(["a", "b"]);
    MemoryBackend.drop(space);
  });
});

describe("any argument of any type", () => {
  it("rejects only with AutoStoreErrors, whatever every public method is given", async () => {
    const store = new AutoStore(`memory://${randomUUID()}`);
    await store.set("present", { a: 1 });
    const anything = fc.oneof(
      fc.anything(),
      fc.constantFrom(
        null,
        undefined,
        0,
        -1,
        Number.NaN,
        Symbol("s"),
        () => 1,
        new Date(),
        [],
        ["a"],
        "",
        "/x",
        "../x",
        { toString: 0 },
        Object.create(null),
      ),
    );
    const calls: Array<(a: unknown, b: unknown) => Promise<unknown>> = [
      (a, b) => store.get(a as string, b as never),
      (a, b) => store.set(a as string, b),
      (a, b) => store.set("k", a, b as never),
      (a, b) => store.has(a as string, b as never),
      (a, b) => store.delete(a as string, b as never),
      (a, b) => store.getMetadata(a as string, b as never),
      (a, b) => store.copy(a as string, b as string),
      (a, b) => store.move("present", a as string, b as never),
      (a, b) => store.presign(a as string, b as never),
      async (a, b) => {
        for await (const _ of store.keys(a as string, b as never));
      },
      async (a, b) => {
        for await (const _ of store.listFiles(a as string, b as never));
      },
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat(calls.length - 1), anything, anything, async (which, a, b) => {
        const call = calls[which] as (a: unknown, b: unknown) => Promise<unknown>;
        let outcome: unknown;
        try {
          outcome = await call(a, b);
        } catch (err) {
          expect(isAutoStoreError(err), `${which}: ${String(err)}`).toBe(true);
          return;
        }
        expect(outcome).not.toBeInstanceOf(Error);
      }),
      { numRuns: 600 },
    );
  });

  it("turns a value whose getter throws into a typed error, and writes nothing", async () => {
    const store = new AutoStore(`memory://${randomUUID()}`);
    const value = {
      get boom(): number {
        throw new Error("getter failed");
      },
    };
    const err = await errorOf(store.set("k", value));
    expect(isAutoStoreError(err)).toBe(true);
    if (isAutoStoreError(err)) {
      expect(err.key).toBe("k");
      expect((err.cause as Error).message).toBe("getter failed");
    }
    expect(await store.has("k")).toBe(false);
  });
});

describe("bare keys with dots", () => {
  it("read back as written, or are refused with nothing written; a shorter key's write never takes them", async () => {
    // Bare: the last part is no extension of a format (`.json`, `.tar` would name the file itself).
    const part = fc.constantFrom("user", "pydantic", "dataclass", "sparse", "tar", "v2", "json", "x");
    const last = fc.constantFrom("user", "pydantic", "dataclass", "sparse", "v2", "x");
    const name = fc
      .tuple(fc.array(part, { minLength: 1, maxLength: 2 }), last)
      .map(([parts, end]) => [...parts, end].join("."));
    const value = fc.oneof(
      fc.record({ n: fc.integer() }),
      fc.string({ minLength: 1, maxLength: 5 }).map((s) => `t${s}`),
      fc.constant({ data: new Float64Array([1, 2]), indices: new Int32Array([0, 1]) }),
    );
    let round = 0;
    await fc.assert(
      fc.asyncProperty(name, value, async (key, v) => {
        const store = new AutoStore(`memory://bare-dots-${round++}`);
        try {
          await store.set(key, v);
        } catch (err) {
          expect(isAutoStoreError(err, "INVALID_KEY") || isAutoStoreError(err, "UNSUPPORTED_FORMAT")).toBe(
            true,
          );
          const left: string[] = [];
          for await (const k of store.keys()) left.push(k);
          expect(left).toEqual([]);
          return;
        }
        expect(await store.get(key)).toEqual(v);
        // The key with its last dotted part cut off is another key: writing it leaves this one.
        const shorter = key.slice(0, key.lastIndexOf("."));
        await store.set(shorter, "other").catch(() => undefined);
        expect(await store.get(key)).toEqual(v);
      }),
      { numRuns: 200 },
    );
  });
});
