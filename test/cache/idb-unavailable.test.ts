/**
 * The browser build where IndexedDB is missing (Node here, as in edge runtimes and some private
 * modes): it imports, works without a cache, and `cacheEnabled` is a ConfigError that says why.
 */
import { describe, expect, it } from "vitest";
import { AutoStore, IdbCacheStorage, isAutoStoreError } from "../../src/browser/index.js";

describe("browser build without IndexedDB", () => {
  it("imports and opens an uncached store", () => {
    expect(typeof indexedDB).toBe("undefined");
    expect(String(new AutoStore("https://example.com/data/"))).toContain("example.com");
  });

  it("cacheEnabled is a ConfigError naming the field and the reason", () => {
    let err: unknown;
    try {
      new AutoStore("https://example.com/data/", { cacheEnabled: true });
    } catch (e) {
      err = e;
    }
    expect(isAutoStoreError(err, "CONFIG_ERROR")).toBe(true);
    expect(err).toMatchObject({ field: "cacheEnabled" });
    expect(String((err as Error).message)).toMatch(/no IndexedDB/);
    expect(() => new IdbCacheStorage()).toThrow(/autostore-js-cache/);
  });
});
