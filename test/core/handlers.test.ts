import { randomUUID } from "node:crypto";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { builtinHandlers } from "../../src/core/handlers/builtins.js";
import { HandlerRegistry } from "../../src/core/handlers/registry.js";
import { AutoStore, DataHandler, isAutoStoreError } from "../../src/node/index.js";
import { tempDir } from "../helpers/tmp.js";

interface LogEntry {
  timestamp: string;
  message: string;
}

// The seed's custom handler: a list of entries with timestamps, stored one JSON object per line.
class LogHandler extends DataHandler {
  extensions = [".log"];
  override priority = 15;

  canHandleData(value: unknown): boolean {
    return (
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((item) => typeof item === "object" && item !== null && "timestamp" in item)
    );
  }

  decode(bytes: Uint8Array): LogEntry[] {
    return new TextDecoder()
      .decode(bytes)
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as LogEntry);
  }

  encode(value: unknown): Uint8Array {
    return new TextEncoder().encode(
      (value as LogEntry[]).map((entry) => `${JSON.stringify(entry)}\n`).join(""),
    );
  }
}

describe("custom handlers", () => {
  it("take precedence for the values and extensions they claim", async () => {
    const store = new AutoStore(`memory://${randomUUID()}`);
    store.registerHandler(new LogHandler());
    const entries = [{ timestamp: "2024-01-01T00:00:00Z", message: "start" }];
    expect(await store.set("app", entries)).toBe("app.log");
    expect(await store.get("app")).toEqual(entries);
    // Values it does not claim still go to the built-in formats.
    expect(await store.set("plain", [{ message: "no timestamp" }])).toBe("plain.jsonl");
  });

  it("stay with the store that registered them", async () => {
    const name = randomUUID();
    const withHandler = new AutoStore(`memory://${name}`);
    withHandler.registerHandler(new LogHandler());
    await withHandler.set("app", [{ timestamp: "t", message: "m" }]);
    const without = new AutoStore(`memory://${name}`);
    expect(await without.get("app")).toBe('{"timestamp":"t","message":"m"}\n');
  });

  it("reject extensions that are not lower-case with a dot", () => {
    class Bad extends LogHandler {
      override extensions = ["LOG"];
    }
    expect(() => new AutoStore("memory://bad").registerHandler(new Bad())).toThrow(/lower-case/);
  });

  it("turn a decoder's failure into a DecodeError", async () => {
    const store = new AutoStore(`memory://${randomUUID()}`);
    store.registerHandler(new LogHandler());
    await store.set("broken.log", "not json\n", { format: "txt" });
    const err = await store.get("broken.log").catch((e: unknown) => e);
    expect(isAutoStoreError(err, "DECODE_ERROR")).toBe(true);
  });
});

describe("context management", () => {
  it("closes the store at the end of an `await using` block", async () => {
    const dir = await tempDir();
    let escaped: AutoStore | undefined;
    {
      await using store = new AutoStore(join(dir.path, "data"));
      await store.set("data", { large: "dataset" });
      expect(await store.get("data")).toEqual({ large: "dataset" });
      escaped = store;
    }
    const err = await escaped?.get("data").catch((e: unknown) => e);
    expect(String(err)).toMatch(/closed/);
    await dir.remove();
  });
});

describe("formats", () => {
  it("reads YAML as PyYAML does (YAML 1.1) and quotes strings PyYAML would misread", async () => {
    const store = new AutoStore(`memory://${randomUUID()}`);
    await store.set("python.yaml", "flag: yes\nday: 2024-01-02\nname: x\n", { format: "txt" });
    const read = await store.get<{ flag: unknown; day: unknown }>("python.yaml");
    expect(read.flag).toBe(true);
    expect(read.day).toBeInstanceOf(Date);
    await store.set("ours.yaml", { answer: "yes", when: "2024-01-02" });
    expect(await store.get("ours.yaml")).toEqual({ answer: "yes", when: "2024-01-02" });
  });

  it("refuses a YAML tag no schema knows, as PyYAML's safe_load does, and reads the standard ones", async () => {
    const store = new AutoStore(`memory://${randomUUID()}`);
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      for (const [name, text] of [
        ["tuple.yaml", "point: !!python/tuple [1, 2]\n"],
        ["custom.yaml", "x: !custom value\n"],
      ] as const) {
        await store.primaryBackend.write(name, new TextEncoder().encode(text));
        const err = await store.get(name).catch((e: unknown) => e);
        expect(isAutoStoreError(err, "DECODE_ERROR")).toBe(true);
        expect((err as Error).message).toContain("Unresolved tag");
      }
    } finally {
      process.stderr.write = write;
    }
    expect(stderr.join("")).toBe("");
    await store.primaryBackend.write(
      "standard.yaml",
      new TextEncoder().encode("n: !!str 123\nf: !!float 1.5\ns: !!set {a, b}\n"),
    );
    expect(await store.get("standard.yaml")).toEqual({ n: "123", f: 1.5, s: new Set(["a", "b"]) });
  });

  it("reads text with a BOM and refuses invalid UTF-8 as a DecodeError", async () => {
    const store = new AutoStore(`memory://${randomUUID()}`);
    await store.primaryBackend.write("bom.txt", new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]));
    expect(await store.get("bom.txt")).toBe("hi");
    await store.primaryBackend.write("bad.txt", new Uint8Array([0xff, 0xfe, 0x00]));
    expect(isAutoStoreError(await store.get("bad.txt").catch((e: unknown) => e), "DECODE_ERROR")).toBe(true);
  });

  it("reads a file without a known extension as bytes", async () => {
    const store = new AutoStore(`memory://${randomUUID()}`);
    await store.primaryBackend.write("LICENSE", new TextEncoder().encode("MIT"));
    expect(await store.get("LICENSE")).toEqual(new TextEncoder().encode("MIT"));
    expect(await store.get("LICENSE", { format: "txt" })).toBe("MIT");
  });
});

describe("HandlerRegistry.splitKey", () => {
  // The rule as first written: the last segment looked up lower-cased, then each candidate compared.
  function reference(registry: HandlerRegistry, key: string) {
    const nameStart = key.lastIndexOf("/") + 1;
    const dot = key.lastIndexOf(".");
    if (dot <= nameStart) return undefined;
    const last = key.slice(dot).toLowerCase();
    for (const ext of registry.extensions) {
      if (ext.slice(ext.lastIndexOf(".")) !== last) continue;
      if (key.length - ext.length > nameStart && key.slice(key.length - ext.length).toLowerCase() === ext) {
        return { bare: key.slice(0, key.length - ext.length), ext };
      }
    }
    return undefined;
  }

  it("splits as full lower-casing would, ASCII or not", () => {
    const registry = new HandlerRegistry(builtinHandlers());
    const piece = fc.constantFrom(
      "a",
      "/",
      ".",
      "json",
      "JSON",
      "Json",
      "sparse",
      "SPARSE",
      "npz",
      "yml",
      "\u212A",
      "\u0130",
      "é",
      "tar",
      "gz",
      "pydantic",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (parts) => {
        const key = parts.join("");
        expect(registry.splitKey(key)).toEqual(reference(registry, key));
      }),
      { numRuns: 5000 },
    );
  });
});
