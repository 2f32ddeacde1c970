/**
 * A dedicated module worker that uses the browser build's AutoStore on OPFS and posts back what it
 * saw, for `opfs-worker.test.ts`.
 */
import { AutoStore } from "../../src/browser/index.js";

self.onmessage = async (event: MessageEvent<{ folder: string }>) => {
  try {
    const store = new AutoStore(`opfs://${event.data.folder}`);
    const written = await store.set("from-worker", { n: 42, where: "worker" });
    await store.set("nested/note", "hi");
    const value = await store.get("from-worker");
    const keys: string[] = [];
    for await (const key of store.keys()) keys.push(key);
    await store.delete("nested/note");
    const afterDelete: string[] = [];
    for await (const key of store.keys()) afterDelete.push(key);
    const missing = await store.get("nested/note").then(
      () => "found",
      (err: unknown) => (err as { code?: string }).code,
    );
    postMessage({ ok: true, written, value, keys, afterDelete, missing });
  } catch (err) {
    postMessage({ ok: false, error: String(err) });
  }
};
