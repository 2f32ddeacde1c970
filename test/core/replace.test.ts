/**
 * The bare-key replacement rule across processes, made deterministic: two writers whose files carry
 * the same modification time (as two processes writing within one timestamp tick do) must agree on one
 * survivor, and a removal never takes a version written after it was judged.
 */
import { utimes } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { builtinHandlers } from "../../src/core/handlers/builtins.js";
import { HandlerRegistry } from "../../src/core/handlers/registry.js";
import { keepNewest } from "../../src/core/replace.js";
import { DiskBackend, MemoryBackend } from "../../src/node/index.js";
import { tempDir } from "../helpers/tmp.js";

const registry = new HandlerRegistry(builtinHandlers());
const bytes = (text: string) => new TextEncoder().encode(text);

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

async function files(backend: DiskBackend | MemoryBackend, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of backend.list(prefix)) if ("key" in entry) out.push(entry.key);
  return out;
}

describe("keepNewest", () => {
  it("lets writers of another process that tie in time agree on one survivor", async () => {
    const backend = new DiskBackend(join(dir.path, "root"));
    for (const round of [0, 1, 2, 3, 4]) {
      const bare = `r${round}/k`;
      const json = await backend.write(`${bare}.json`, bytes("{}"));
      const txt = await backend.write(`${bare}.txt`, bytes("t"));
      const yaml = await backend.write(`${bare}.yaml`, bytes("a: 1"));
      const instant = new Date(1_700_000_000_000 + round);
      for (const key of [json.key, txt.key, yaml.key])
        await utimes(join(dir.path, "root", key), instant, instant);
      // Three writers, none of whose files this realm wrote: each judges alone, at the same moment.
      const survivors = await Promise.all(
        [json, txt, yaml].map((written) =>
          keepNewest(backend, bare, { ...written, modifiedTime: instant }, registry),
        ),
      );
      expect(new Set(survivors)).toEqual(new Set([`${bare}.yaml`]));
      expect(await files(backend, `r${round}/`)).toEqual([`${bare}.yaml`]);
    }
  });

  it("keeps the strictly newer file, whoever judges", async () => {
    const backend = new DiskBackend(join(dir.path, "root"));
    const older = await backend.write("k.yaml", bytes("a: 1"));
    const newer = await backend.write("k.json", bytes("{}"));
    await utimes(join(dir.path, "root", "k.yaml"), new Date(1000), new Date(1000));
    await utimes(join(dir.path, "root", "k.json"), new Date(2000), new Date(2000));
    expect(await keepNewest(backend, "k", older, registry)).toBe("k.json");
    expect(await files(backend, "")).toEqual(["k.json"]);
    expect(newer.key).toBe("k.json");
  });

  it("does not remove a version written after it was judged (conditional delete)", async () => {
    for (const backend of [new DiskBackend(join(dir.path, "cond")), new MemoryBackend()]) {
      const first = await backend.write("v.json", bytes("1"));
      await backend.write("v.json", bytes("2")); // a newer version replaces the one judged
      await backend.delete("v.json", { ifMatch: first.etag as string });
      expect(new TextDecoder().decode(await (await backend.read("v.json")).bytes())).toBe("2");
      const current = await backend.head("v.json");
      await backend.delete("v.json", { ifMatch: current.etag as string });
      expect(await files(backend, "")).toEqual([]);
    }
  });
});
