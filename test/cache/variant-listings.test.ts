/**
 * Cached variant listings over a real backend (memory, behind a call counter) and the real fs cache
 * storage, with a clock of the test's own: what a listing costs while fresh and once expired, which
 * bare keys a change invalidates, and how a stored listing reads back.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bareKeysOf, decodeListing, encodeListing } from "../../src/core/cache/variant-listings.js";
import { builtinHandlers } from "../../src/core/handlers/builtins.js";
import { HandlerRegistry } from "../../src/core/handlers/registry.js";
import { findVariants } from "../../src/core/resolve.js";
import {
  CachedBackend,
  type CommonPrefix,
  FsCacheStorage,
  type ListedObject,
  MemoryBackend,
} from "../../src/node/index.js";
import { CountingBackend } from "../helpers/counting-backend.js";
import { gate } from "../helpers/gate.js";
import { tempDir } from "../helpers/tmp.js";

const HOUR = 3_600_000;
const bytes = (value: string) => new TextEncoder().encode(value);

let dir: { path: string; remove: () => Promise<void> };
let remote: CountingBackend;
let clock: number;
const now = () => clock;

function cached(options: { expiryHours?: number; cacheDir?: string; warn?: (m: string) => void } = {}) {
  const logger = { debug: () => undefined, info: () => undefined, warn: options.warn ?? (() => undefined) };
  return new CachedBackend(
    remote,
    new FsCacheStorage(options.cacheDir ?? join(dir.path, "cache")),
    { expiryHours: options.expiryHours ?? 1 },
    { now, logger },
  );
}

const keysOf = (listed: readonly ListedObject[]) => listed.map((o) => o.key);

beforeEach(async () => {
  dir = await tempDir();
  remote = new CountingBackend(new MemoryBackend());
  clock = Date.parse("2026-01-01T00:00:00Z");
  await remote.inner.write("profile.json", bytes("{}"));
  await remote.inner.write("profile.v2.json", bytes("{}"));
  await remote.inner.write("profile.d/inner.json", bytes("{}"));
  remote.reset();
});
afterEach(async () => {
  await dir.remove();
});

describe("a cached variant listing", () => {
  it("lists objects directly under `key.`, once while fresh, again once expired", async () => {
    const backend = cached();
    expect(keysOf(await backend.listVariants("profile"))).toEqual(["profile.json", "profile.v2.json"]);
    expect(keysOf(await backend.listVariants("profile"))).toEqual(["profile.json", "profile.v2.json"]);
    expect(remote.counts.list).toBe(1);
    clock += HOUR - 1;
    await backend.listVariants("profile");
    expect(remote.counts.list).toBe(1);
    clock += 1;
    await backend.listVariants("profile");
    expect(remote.counts.list).toBe(2);
    // A new decorator on the same folder (a new process) is served from the renewed listing.
    await cached().listVariants("profile");
    expect(remote.counts.list).toBe(2);
  });

  it("never expires with expiryHours 0", async () => {
    const backend = cached({ expiryHours: 0 });
    await backend.listVariants("profile");
    clock += 10_000 * HOUR;
    await backend.listVariants("profile");
    expect(remote.counts.list).toBe(1);
  });

  it("keeps sizes, times, ETags and content types as listed", async () => {
    const backend = cached();
    const listed = await backend.listVariants("profile");
    expect(await cached().listVariants("profile")).toEqual(listed);
    expect(listed[0]?.size).toBe(2);
  });

  it("lists on the remote under ignoreCache, and keeps that listing for the reads after it", async () => {
    const backend = cached();
    expect(keysOf(await backend.listVariants("profile"))).not.toContain("profile.yaml");
    // A change made past the cache: a fresh cached listing hides it, ignoreCache sees it.
    await remote.inner.write("profile.yaml", bytes("a: 1"));
    expect(keysOf(await backend.listVariants("profile"))).not.toContain("profile.yaml");
    expect(remote.counts.list).toBe(1);
    expect(keysOf(await backend.listVariants("profile", { ignoreCache: true }))).toContain("profile.yaml");
    await backend.listVariants("profile", { ignoreCache: true });
    expect(remote.counts.list).toBe(3);
    // Kept: the next plain read serves it with no request, never the older listing.
    expect(keysOf(await backend.listVariants("profile"))).toContain("profile.yaml");
    expect(remote.counts.list).toBe(3);
  });

  it("keeps an ignoreCache listing over a listing that began before it", async () => {
    // The first listing takes its snapshot at once and hands it over when the gate opens.
    const { opened: gateOpened, open } = gate();
    const list = remote.list.bind(remote);
    let held = true;
    remote.list = (prefix, options) => {
      const entries = list(prefix, options);
      if (!held) return entries;
      held = false;
      return (async function* () {
        const snapshot: Array<ListedObject | CommonPrefix> = [];
        for await (const entry of entries) snapshot.push(entry);
        await gateOpened;
        yield* snapshot;
      })();
    };
    const backend = cached();
    const slow = backend.listVariants("profile");
    await new Promise((resolve) => setTimeout(resolve, 20));
    await remote.inner.write("profile.yaml", bytes("a: 1"));
    expect(keysOf(await backend.listVariants("profile", { ignoreCache: true }))).toContain("profile.yaml");
    open();
    expect(keysOf(await slow)).not.toContain("profile.yaml");
    expect(keysOf(await backend.listVariants("profile"))).toContain("profile.yaml");
    expect(keysOf(await cached().listVariants("profile"))).toContain("profile.yaml");
  });

  it("serves bare-key resolution with no request while fresh", async () => {
    const backend = cached();
    const registry = new HandlerRegistry(builtinHandlers());
    const found = async () => keysOf((await findVariants(backend, "profile", registry)).withExtension);
    expect(await found()).toEqual(["profile.json"]);
    expect(await found()).toEqual(["profile.json"]);
    expect(remote.counts).toMatchObject({ list: 1, head: 0 });
    expect(
      keysOf((await findVariants(backend, "profile", registry, { ignoreCache: true })).withExtension),
    ).toEqual(["profile.json"]);
    expect(remote.counts.list).toBe(2);
  });

  it("is invalidated by writes, deletes and copies of keys it may list, and only by those", async () => {
    const backend = cached();
    const cost = async (change: () => Promise<unknown>, key = "profile") => {
      await backend.listVariants(key);
      remote.reset();
      await change();
      await backend.listVariants(key);
      return remote.counts.list;
    };
    expect(await cost(() => backend.write("profile.yaml", bytes("a: 1")))).toBe(1);
    expect(await cost(() => backend.delete("profile.yaml"))).toBe(1);
    expect(await cost(() => backend.copy("profile.json", "profile.csv"))).toBe(1);
    expect(await cost(() => backend.write("profile.tar.gz", bytes("x")), "profile.tar")).toBe(1);
    expect(await cost(() => backend.write("profile.tar.gz", bytes("y")))).toBe(1);
    // Keys that no listing of `profile.` holds directly leave it alone.
    expect(await cost(() => backend.write("profiles.json", bytes("{}")))).toBe(0);
    expect(await cost(() => backend.write("profile.d/x.json", bytes("{}")))).toBe(0);
    expect(await cost(() => backend.write("profile", bytes("raw")))).toBe(0);
  });

  it("with the cache folder unusable (a file), lists the remote every time and warns", async () => {
    const blocked = join(dir.path, "not-a-folder");
    await writeFile(blocked, "a file where the cache folder should be");
    const warnings: string[] = [];
    const backend = cached({ cacheDir: blocked, warn: (m) => warnings.push(m) });
    expect(keysOf(await backend.listVariants("profile"))).toEqual(["profile.json", "profile.v2.json"]);
    await backend.write("profile.yaml", bytes("a: 1"));
    expect(keysOf(await backend.listVariants("profile"))).toContain("profile.yaml");
    expect(remote.counts.list).toBe(2);
    expect(warnings.length).toBeGreaterThan(0);
    expect(await backend.cleanup()).toBe(0);
  });

  it("cleanup removes expired listings alongside expired bytes", async () => {
    const backend = cached();
    await backend.listVariants("profile");
    await (await backend.read("profile.json")).bytes();
    expect(await backend.cleanup()).toBe(0);
    clock += HOUR;
    expect(await backend.cleanup()).toBe(2);
  });
});

describe("which listings a change invalidates", () => {
  const segment = fc.stringMatching(/^[a-z0-9._-]{1,8}$/);
  const folder = fc
    .array(fc.stringMatching(/^[a-z0-9_-]{1,6}$/), { maxLength: 2 })
    .map((parts) => parts.join("/"));

  it("every bare key whose listing `bare.` shows the key directly (no `/` past it) is named", () => {
    fc.assert(
      fc.property(folder, segment, segment, (at, name, rest) => {
        const prefix = at === "" ? "" : `${at}/`;
        fc.pre(!name.startsWith(".")); // `a/` + `.x`: the bare key `a/` is a folder, never listed
        const bare = prefix + name;
        const key = `${bare}.${rest}`;
        expect(bareKeysOf(key)).toContain(bare);
      }),
    );
  });

  it("names nothing else: each is the key cut before a dot of its last segment", () => {
    fc.assert(
      fc.property(folder, segment, (at, name) => {
        const key = at === "" ? name : `${at}/${name}`;
        for (const bare of bareKeysOf(key)) {
          expect(key.startsWith(`${bare}.`)).toBe(true);
          expect(key.slice(bare.length + 1)).not.toContain("/");
          expect(bare.endsWith("/") || bare === "").toBe(false);
        }
      }),
    );
    expect(bareKeysOf("a/b.tar.gz")).toEqual(["a/b", "a/b.tar"]);
    expect(bareKeysOf("a.b/c")).toEqual([]);
  });
});

describe("a stored listing", () => {
  const listed = fc.array(
    fc.record(
      {
        key: fc.string(),
        size: fc.nat(),
        modifiedTime: fc.date({ noInvalidDate: true }),
        etag: fc.string(),
        contentType: fc.string(),
      },
      { requiredKeys: ["key"] },
    ),
  );

  it("reads back as it was listed", () => {
    fc.assert(
      fc.property(listed, (objects) => {
        expect(decodeListing(encodeListing(objects))).toEqual(objects);
      }),
    );
  });

  it("is refused, not misread, when the bytes are something else", () => {
    for (const other of ["", "null", "[]", "{}", '{"objects":[{"key":1}]}', '{"objects":[null]}', "{"]) {
      expect(decodeListing(bytes(other))).toBeUndefined();
    }
  });
});
