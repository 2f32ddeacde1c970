/**
 * The browser build where there is no OPFS (Node here, edge runtimes alike): it imports, makes
 * stores, and refuses OPFS only when a call uses it, with a ConfigError that says why.
 */
import { expect, it } from "vitest";

it("imports without OPFS and refuses its first use with a ConfigError", async () => {
  expect((globalThis as { navigator?: { storage?: unknown } }).navigator?.storage).toBeUndefined();
  const { AutoStore, OpfsBackend, isAutoStoreError } = await import("../../src/browser/index.js");
  const store = new AutoStore("opfs://data");
  const bare = new AutoStore("./data");
  for (const call of [store.get("k"), bare.set("k", 1), new OpfsBackend("x").head("k.json")]) {
    const err = await call.catch((e: unknown) => e);
    expect(isAutoStoreError(err, "CONFIG_ERROR")).toBe(true);
    expect((err as Error).message).toMatch(/Origin Private File System/);
  }
  // Memory still works in this build.
  const memory = new AutoStore("memory://no-opfs");
  await memory.set("k", 1);
  expect(await memory.get("k")).toBe(1);
});
