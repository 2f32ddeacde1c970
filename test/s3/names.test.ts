/**
 * The S3 backend on both request paths against s3rver: generated keys with every printable and
 * reserved character round-trip through write, read, list and delete, as an independent client sees
 * them; objects stored with a Content-Encoding read as their decoded bytes; zero-byte `folder/`
 * markers made by other tools count as folders and go with them. The store-level key property runs on
 * memory and disk too, so every writable backend is held to the same rule.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoStore, isCommonPrefix, type Progress, S3Backend, S3Options } from "../../src/node/index.js";
import { keyArbitrary } from "../helpers/keys.js";
import { type FaultProxy, startProxy } from "../helpers/proxy.js";
import { rawS3Client, type S3Server, startS3Server } from "../helpers/s3-server.js";

const BUCKET = "names";
let s3: S3Server;
let raw: S3Client;
let proxy: FaultProxy;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: [BUCKET] });
  // An independent client: what it sees is what the server stored.
  raw = rawS3Client(s3);
  proxy = await startProxy(s3.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  raw?.destroy();
  await s3?.stop();
});

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (data: Uint8Array) => new TextDecoder().decode(data);

async function rawKeys(prefix: string): Promise<string[]> {
  const out = await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? "");
}

async function listed(backend: S3Backend, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of backend.list(prefix)) out.push(isCommonPrefix(entry) ? entry.prefix : entry.key);
  return out;
}

for (const transport of ["sdk", "fetch"] as const) {
  describe(`s3 over ${transport}`, () => {
    const open = (root: string) =>
      new S3Backend(`${BUCKET}/${root}/`, { options: s3.options({ transport, retryDelay: 0.01 }) });
    const store = (root: string) =>
      new AutoStore(`s3://${BUCKET}/${root}/`, { options: new S3Options(s3.options({ transport })) });

    it("writes, reads, lists and deletes keys with any characters, as stored", async () => {
      const root = `keys-${transport}-${randomUUID()}`;
      const b = open(root);
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          keyArbitrary({ maxSegmentBytes: 255, maxLastSegmentBytes: 233, suffix: ".bin" }),
          async (name) => {
            const dir = `p${run++}/`;
            const key = dir + name;
            const data = encode(`value of ${key}`);
            await b.write(key, data);
            // The server stored exactly this name: an independent client lists it.
            expect(await rawKeys(`${root}/${dir}`)).toEqual([`${root}/${key}`]);
            expect(decode(await (await b.read(key)).bytes())).toBe(decode(data));
            expect((await b.head(key)).size).toBe(data.length);
            expect(await listed(b, dir)).toEqual([key]);
            await b.delete(key);
            expect(await rawKeys(`${root}/${dir}`)).toEqual([]);
          },
        ),
        { numRuns: 40 },
      );
      await b.close();
    });

    it("keeps NFC and NFD spellings and the issue's names apart", async () => {
      const s = store(`names-${transport}-${randomUUID()}`);
      const names = ["caf\u00e9", "cafe\u0301", "scan?1", "100%", "a%2Fb", "a/b", "h#1", "p+q", "sp ace"];
      for (const name of names) await s.set(`${name}.json`, { name });
      for (const name of names) expect(await s.get(`${name}.json`)).toEqual({ name });
      const keys: string[] = [];
      for await (const key of s.keys()) keys.push(key);
      expect(keys.sort()).toEqual([...names].sort());
      await s.close();
    });

    describe("objects stored with a Content-Encoding", () => {
      const text = Array.from({ length: 3000 }, (_, i) => `row ${i}, ${"xyz".repeat(i % 13)}`).join("\n");
      const value = { list: Array.from({ length: 300 }, (_, i) => i * 3) };
      const prefix = `encoded-${transport}-${randomUUID()}`;

      beforeAll(async () => {
        const put = (key: string, body: Uint8Array, encoding: string, type = "text/plain") =>
          raw.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: `${prefix}/${key}`,
              Body: body,
              ContentEncoding: encoding,
              ContentType: type,
            }),
          );
        await put("text.txt", gzipSync(text), "gzip");
        await put("value.json", gzipSync(JSON.stringify(value)), "gzip", "application/json");
        await put("brotli.txt", brotliCompressSync(text), "br");
        // Cut short: brotli finds that only when it flushes, after its input has ended.
        const whole = brotliCompressSync(text);
        await put("brotli-cut.txt", whole.subarray(0, whole.length - 1), "br");
        await put("gzip-cut.txt", gzipSync(text).subarray(0, 200), "gzip");
        const twice = brotliCompressSync(gzipSync(text));
        await put("twice-cut.txt", twice.subarray(0, twice.length - 1), "gzip, br");
      });

      it("fails on a body cut short of its coding with a typed error, and nothing else", async () => {
        const b = open(prefix);
        const cut =
          transport === "fetch" ? ["brotli-cut.txt", "twice-cut.txt", "gzip-cut.txt"] : ["gzip-cut.txt"];
        for (const key of cut) {
          const read = b.read(key).then((r) => r.bytes());
          await expect(read).rejects.toMatchObject({
            code: "BACKEND_ERROR",
            uri: `s3://${BUCKET}/${prefix}/${key}`,
            message: expect.stringMatching(/the body is not valid (br|gzip)/),
          });
          // Named once, by the coding that failed, however many decoders the body passes.
          expect(String(await read.catch((e: Error) => e.message)).match(/not valid/g)).toHaveLength(1);
        }
        // The store still reads (vitest fails the run on an uncaught error from the cut body).
        expect(decode(await (await b.read("text.txt")).bytes())).toBe(text);
        await b.close();
      });

      it("reads the decoded value, with its size and progress", async () => {
        const s = store(prefix);
        expect(await s.get("value.json")).toEqual(value);
        const seen: Progress[] = [];
        expect(await s.get("text.txt", { onProgress: (p) => seen.push(p) })).toBe(text);
        const size = encode(text).length;
        expect(seen.at(-1)).toEqual({ loaded: size, total: size });
        const result = await open(prefix).read("text.txt");
        expect(result.meta.size).toBe(size);
        expect(decode(await result.bytes())).toBe(text);
        await s.close();
      });

      it("reads ranges of the decoded bytes, also past the stored size", async () => {
        const b = open(prefix);
        const whole = encode(text);
        const stored = (await b.head("text.txt")).size;
        expect(stored).toBeLessThan(whole.length);
        for (const [start, end] of [
          [10, 60],
          [stored + 100, stored + 400],
          [whole.length - 25, whole.length],
        ] as const) {
          const result = await b.read("text.txt", { range: { offset: start, length: end - start } });
          expect(decode(await result.bytes())).toBe(decode(whole.subarray(start, end)));
          expect(result.range).toEqual({ start, end });
        }
        const tail = await b.read("text.txt", { range: { suffix: 25 } });
        expect(decode(await tail.bytes())).toBe(decode(whole.subarray(whole.length - 25)));
        await b.close();
      });

      it(
        transport === "fetch"
          ? "reads br, which fetch decodes"
          : "refuses br, which this runtime cannot decode, with a typed error",
        async () => {
          const b = open(prefix);
          const read = b.read("brotli.txt").then((r) => r.bytes());
          if (transport === "fetch") expect(decode(await read)).toBe(text);
          else
            await expect(read).rejects.toMatchObject({
              code: "BACKEND_ERROR",
              backendCode: "UnsupportedContentEncoding",
              uri: `s3://${BUCKET}/${prefix}/brotli.txt`,
            });
          await b.close();
        },
      );
    });

    describe("folder markers", () => {
      const marker = (key: string) =>
        raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: new Uint8Array(0) }));
      const rawExists = (key: string) =>
        raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
          () => true,
          () => false,
        );

      it("a folder holding only its marker exists, is a directory, and deletes", async () => {
        const root = `markers-${transport}-${randomUUID()}`;
        await marker(`${root}/folder/`);
        const s = store(root);
        expect(await s.has("folder/")).toBe(true);
        expect(await s.primaryBackend.isDirectory("folder")).toBe(true);
        expect(await s.primaryBackend.isDirectory("folder/")).toBe(true);
        expect(await s.has("other/")).toBe(false);
        // Listings still show no marker.
        const files: string[] = [];
        for await (const key of s.listFiles("**", { recursive: true })) files.push(key);
        expect(files).toEqual([]);
        await s.delete("folder/");
        expect(await rawExists(`${root}/folder/`)).toBe(false);
        expect(await s.has("folder/")).toBe(false);
        await expect(s.delete("folder/")).rejects.toMatchObject({ code: "KEY_NOT_FOUND" });
        await s.close();
      });

      it("deleting a folder removes its files and every marker under it", async () => {
        const root = `markers-all-${transport}-${randomUUID()}`;
        await marker(`${root}/folder/`);
        await marker(`${root}/folder/sub/`);
        await marker(`${root}/folder/empty/deeper/`);
        const s = store(root);
        await s.set("folder/sub/a.json", { a: 1 });
        await s.set("keep.json", { keep: true });
        expect(await s.has("folder/empty/")).toBe(true);
        const keys: string[] = [];
        for await (const key of s.keys("folder/")) keys.push(key);
        expect(keys).toEqual(["folder/sub/a"]);
        await s.delete("folder/");
        expect(await rawKeys(`${root}/`)).toEqual([`${root}/keep.json`]);
        // A marker alone, removed with its file gone first: the folder still exists until its marker goes.
        await marker(`${root}/solo/`);
        await s.set("solo/x.json", 1);
        await s.delete("solo/x.json");
        expect(await s.has("solo/")).toBe(true);
        await s.delete("solo/");
        expect(await rawExists(`${root}/solo/`)).toBe(false);
        await s.close();
      });
    });
  });
}

describe("store keys are names on every backend", () => {
  const diskRoots: string[] = [];
  afterAll(async () => {
    await Promise.all(diskRoots.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  // Bare keys (no extension): the store appends `.json`, and reads, lists and deletes them back.
  const bare = keyArbitrary({ maxSegmentBytes: 255, maxLastSegmentBytes: 228 }).filter(
    (key) => !/\.[A-Za-z0-9]+$/.test(key),
  );
  const stores: Array<[string, () => AutoStore]> = [
    ["memory", () => new AutoStore(`memory://names-${randomUUID()}`)],
    [
      "disk",
      () => {
        const dir = join(tmpdir(), `autostore-names-${randomUUID()}`);
        diskRoots.push(dir);
        return new AutoStore(dir);
      },
    ],
    ...(["sdk", "fetch"] as const).map((transport): [string, () => AutoStore] => [
      `s3 over ${transport}`,
      () =>
        new AutoStore(`s3://${BUCKET}/store-${transport}-${randomUUID()}/`, {
          options: new S3Options(s3.options({ transport })),
        }),
    ]),
  ];
  for (const [name, make] of stores) {
    it(`${name}: set, get, has, keys and delete agree for any key`, async () => {
      const store = make();
      let run = 0;
      await fc.assert(
        fc.asyncProperty(bare, async (key) => {
          const full = `r${run++}/${key}`;
          expect(await store.set(full, { full })).toBe(`${full}.json`);
          expect(await store.get(full)).toEqual({ full });
          expect(await store.get(`${full}.json`)).toEqual({ full });
          expect(await store.has(full)).toBe(true);
          const keys: string[] = [];
          for await (const k of store.keys(`r${run - 1}/`)) keys.push(k);
          expect(keys).toEqual([full]);
          await store.delete(full);
          expect(await store.has(full)).toBe(false);
        }),
        // A `?` after a known extension once read as a query: the key was written and then not found.
        { numRuns: 30, examples: [["a.json?b"], ["x.yaml?v=1&w=2"], ["100%"], ["scan?1"], ["h#1"]] },
      );
      await store.close();
    });
  }
});

it("both request paths send a key as the same percent-encoded path (S3's canonical URI)", async () => {
  const root = `paths-${randomUUID()}`;
  const [sdk, viaFetch] = (["sdk", "fetch"] as const).map(
    (transport) =>
      new S3Backend(`${BUCKET}/${root}/`, { options: s3.options({ transport, endpoint: proxy.endpoint }) }),
  ) as [S3Backend, S3Backend];
  const putPath = async (backend: S3Backend, key: string) => {
    proxy.reset();
    await backend.write(key, encode(key));
    const puts = proxy.log.filter((e) => e.method === "PUT");
    expect(puts).toHaveLength(1);
    // The SDK adds `?x-id=PutObject`: the path is what S3 signs and maps to the key.
    return (puts[0] as { url: string }).url.split("?")[0] as string;
  };
  await fc.assert(
    fc.asyncProperty(keyArbitrary({ maxSegmentBytes: 255, maxLastSegmentBytes: 233 }), async (key) => {
      const path = await putPath(sdk, key);
      expect(await putPath(viaFetch, key)).toBe(path);
      // Every segment escaped (RFC 3986's unreserved characters aside), `/` kept between segments.
      expect(path).toMatch(/^(?:[A-Za-z0-9\-._~/]|%[0-9A-F]{2})*$/);
      expect(path.split("/").slice(3).map(decodeURIComponent)).toEqual(key.split("/"));
    }),
    { numRuns: 40 },
  );
  await Promise.all([sdk.close(), viaFetch.close()]);
});

it("the raw client cleans up after itself", async () => {
  // Guards the helpers above: a raw DeleteObject of a marker works on this server.
  await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: "tmp-marker/", Body: new Uint8Array(0) }));
  await raw.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "tmp-marker/" }));
  expect(await rawKeys("tmp-marker/")).toEqual([]);
});
