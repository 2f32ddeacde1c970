import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AutoStore, MemoryBackend } from "../../src/node/index.js";
import { testBackend } from "../conformance/backend.js";
import { testStore } from "../conformance/store.js";
import { testValues } from "../conformance/values.js";

testBackend("memory", async () => ({ backend: new MemoryBackend() }));

testStore("memory", async () => {
  const name = `t-${randomUUID()}`;
  return { store: new AutoStore(`memory://${name}`), cleanup: async () => MemoryBackend.drop(name) };
});

testValues("memory", async () => {
  const name = `v-${randomUUID()}`;
  return { store: new AutoStore(`memory://${name}`), cleanup: async () => MemoryBackend.drop(name) };
});

describe("memory backend", () => {
  it("shares a named space between stores, and keeps unnamed ones private", async () => {
    const name = `shared-${randomUUID()}`;
    const a = new AutoStore(`memory://${name}`);
    const b = new AutoStore(`memory://${name}`);
    await a.set("x", { from: "a" });
    expect(await b.get("x")).toEqual({ from: "a" });
    MemoryBackend.drop(name);
    const privateOne = new MemoryBackend();
    await privateOne.write("k.txt", new Uint8Array([1]));
    const keys: string[] = [];
    for await (const entry of new MemoryBackend().list(""))
      keys.push("key" in entry ? entry.key : entry.prefix);
    expect(keys).toEqual([]);
  });

  it("returns copies, so a caller's mutation never changes the stored value", async () => {
    const store = new AutoStore(`memory://${randomUUID()}`);
    const data = new Uint8Array([1, 2, 3]);
    await store.set("b", data);
    data[0] = 9;
    const read = await store.get<Uint8Array>("b");
    expect(read[0]).toBe(1);
    read[1] = 9;
    expect(await store.get("b")).toEqual(new Uint8Array([1, 2, 3]));
  });
});
