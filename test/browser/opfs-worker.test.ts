import { afterEach, expect, it } from "vitest";
import { AutoStore } from "../../src/browser/index.js";
import { opfsFolder } from "./opfs-fixture.js";

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
});

it("sets, gets, lists and deletes on OPFS from a dedicated worker, seen by the page", async () => {
  const folder = await opfsFolder("worker");
  cleanup = folder.remove;
  const worker = new Worker(new URL("./opfs-worker.ts", import.meta.url), { type: "module" });
  try {
    const reply = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<Record<string, unknown>>) => resolve(event.data);
      worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
      worker.postMessage({ folder: folder.name });
    });
    expect(reply).toEqual({
      ok: true,
      written: "from-worker.json",
      value: { n: 42, where: "worker" },
      keys: ["from-worker", "nested/note"],
      afterDelete: ["from-worker"],
      missing: "KEY_NOT_FOUND",
    });
  } finally {
    worker.terminate();
  }
  // The page sees the worker's file in the same OPFS folder.
  expect(await new AutoStore(`opfs://${folder.name}`).get("from-worker")).toEqual({ n: 42, where: "worker" });
});
