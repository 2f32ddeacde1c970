/**
 * Content codings: what a `Content-Encoding` header lists, what fetch decodes by itself, and the
 * decoder for bodies nothing decoded (the AWS SDK over node:http), on bytes made by node:zlib.
 */
import { deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeChunks, fetchDecodes, parseCodings } from "../../src/core/encoding.js";
import { isAutoStoreError } from "../../src/core/errors.js";

async function* pieces(data: Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
const text = async (chunks: AsyncIterable<Uint8Array>) => {
  let out = "";
  for await (const chunk of chunks) out += Buffer.from(chunk).toString();
  return out;
};
const where = { key: "k", uri: "s3://b/k", backend: "s3" };

describe("content codings", () => {
  it("reads the header and knows what fetch undoes", () => {
    expect(parseCodings(" GZIP , identity")).toEqual(["gzip"]);
    expect(parseCodings(null)).toEqual([]);
    expect(fetchDecodes(["gzip", "br"])).toBe(true);
    expect(fetchDecodes(["gzip", "zstd"])).toBe(false);
  });

  it("decodes gzip (several members too), zlib and raw deflate, and layered codings", async () => {
    const twoMembers = Buffer.concat([gzipSync("hello "), gzipSync("world")]);
    expect(await text(decodeChunks(pieces(twoMembers), ["gzip"], where))).toBe("hello world");
    expect(await text(decodeChunks(pieces(deflateSync("zlib body")), ["deflate"], where))).toBe("zlib body");
    expect(await text(decodeChunks(pieces(deflateRawSync("raw body")), ["deflate"], where))).toBe("raw body");
    const layered = gzipSync(deflateSync("twice"));
    expect(await text(decodeChunks(pieces(layered), ["deflate", "gzip"], where))).toBe("twice");
    expect(await text(decodeChunks(pieces(new Uint8Array(0)), ["gzip"], where))).toBe("");
  });

  it("fails with typed errors on a cut body and on a coding it cannot undo", async () => {
    const cut = gzipSync("a body that ends too soon").subarray(0, 15);
    const err = await text(decodeChunks(pieces(cut), ["gzip"], where)).catch((e: unknown) => e);
    expect(isAutoStoreError(err, "BACKEND_ERROR")).toBe(true);
    expect(err).toMatchObject({ backendCode: "InvalidContentEncoding", uri: "s3://b/k" });
    const unknown = await text(decodeChunks(pieces(Buffer.from("x")), ["zstd"], where)).catch(
      (e: unknown) => e,
    );
    expect(unknown).toMatchObject({ code: "BACKEND_ERROR", backendCode: "UnsupportedContentEncoding" });
  });

  it("passes a failure of the body itself through unchanged, so the read can resume", async () => {
    const broken = new Error("socket hang up");
    async function* breaks(): AsyncGenerator<Uint8Array> {
      yield gzipSync("some body").subarray(0, 10);
      throw broken;
    }
    await expect(text(decodeChunks(breaks(), ["gzip"], where))).rejects.toBe(broken);
  });
});
