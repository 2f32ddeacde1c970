/**
 * Small values pass between a store and its memory backend without copies where no one else can hold
 * the bytes; wherever someone can, a change made to an array after a call never reaches what is stored.
 */
import { describe, expect, it } from "vitest";
import { AutoStore, DataHandler, MemoryBackend } from "../../src/node/index.js";

let counter = 0;
function fresh(): { store: AutoStore; name: string } {
  const name = `handover-${counter++}`;
  MemoryBackend.drop(name);
  return { store: new AutoStore(`memory://${name}`), name };
}

describe("memory store copies", () => {
  it("gives every get a value of its own", async () => {
    const { store } = fresh();
    await store.set("a.json", { list: [1, 2], text: "x" });
    const first = await store.get<{ list: number[] }>("a.json");
    first.list.push(3);
    expect(await store.get("a.json")).toEqual({ list: [1, 2], text: "x" });
    await store.set("t.txt", "hello");
    expect(await store.get("t.txt")).toBe("hello");
  });

  it("keeps stored bytes apart from the caller's array, on the way in and on the way out", async () => {
    const { store, name } = fresh();
    const bytes = new Uint8Array([1, 2, 3]);
    await store.set("b.bin", bytes);
    bytes[0] = 9;
    const read = await store.get<Uint8Array>("b.bin");
    expect([...read]).toEqual([1, 2, 3]);
    read[1] = 9;
    expect([...(await store.get<Uint8Array>("b.bin"))]).toEqual([1, 2, 3]);
    // The backend used directly copies too, even bytes a text codec made.
    const backend = new MemoryBackend(name);
    const body = new TextEncoder().encode('{"a":1}');
    await backend.write("c.json", body);
    body[2] = 0x62; // "b"
    expect(await store.get("c.json")).toEqual({ a: 1 });
    const result = await backend.read("c.json");
    const out = await result.bytes();
    out[2] = 0x63;
    expect(await store.get("c.json")).toEqual({ a: 1 });
  });

  it("copies what a handler of the caller's returns, which it may hold on to", async () => {
    const { store } = fresh();
    const kept = new TextEncoder().encode("kept");
    class Holding extends DataHandler {
      readonly extensions = [".hold"];
      canHandleData(): boolean {
        return true;
      }
      decode(bytes: Uint8Array): unknown {
        return new TextDecoder().decode(bytes);
      }
      encode(): Uint8Array {
        return kept;
      }
    }
    store.registerHandler(new Holding());
    await store.set("x.hold", "anything");
    kept[0] = 0x4b; // "K"
    expect(await store.get("x.hold")).toBe("kept");
  });

  it("answers reads with plain objects that wrappers may spread or take apart", async () => {
    const { store, name } = fresh();
    await store.set("p.json", { a: 1 });
    const backend = new MemoryBackend(name);
    const { meta, bytes } = { ...(await backend.read("p.json")) };
    expect(meta).toMatchObject({ key: "p.json", size: 7, contentType: "application/json" });
    expect(new TextDecoder().decode(await bytes())).toBe('{"a":1}');
    // Metadata is made when asked for, yet reads as a property: the same object each time, replaceable.
    const result = await backend.read("p.json");
    expect(result.meta).toBe(result.meta);
    result.meta = { ...result.meta, size: 0 };
    expect(result.meta.size).toBe(0);
    await store.set("p.json", { a: 22 });
    expect((await backend.read("p.json")).meta.size).toBe(8);
  });
});
