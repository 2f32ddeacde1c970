/**
 * Formats in a web page, in Debian's Chromium, with the app bundled as a web app is: Parquet written
 * and read in the page (parquet-wasm's `.wasm` fetched from the bundle's assets) and checked by an
 * independent reader on Node; a Parquet file from another writer read in the page; a PNG written by
 * Pillow decoded in the page.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeParquet } from "../helpers/parquet-writer.js";
import { runPython } from "../helpers/python.js";
import { rawS3Client } from "../helpers/s3-server.js";
import { call, ok, startWebRig, type WebRig } from "./rig.js";

let rig: WebRig;
let raw: S3Client;

beforeAll(async () => {
  rig = await startWebRig();
  raw = rawS3Client(rig.s3);
}, 300_000);

afterAll(async () => {
  raw?.destroy();
  await rig?.stop();
});

async function put(key: string, body: Uint8Array): Promise<void> {
  await raw.send(new PutObjectCommand({ Bucket: "web", Key: key, Body: body }));
}

describe("formats in the page", () => {
  it("writes and reads Parquet, with parquet-wasm loaded from the bundle's assets", async () => {
    const result = ok(await call(rig.page, "parquet", rig.spec("tables"), "scores"));
    expect(result.stored).toBe("scores.parquet");
    expect(result.read).toEqual({
      kind: "table",
      numRows: 3,
      fields: ["id", "name", "score"],
      columns: { id: [1, 2, 3], name: ["ada", "grace", "edsger"], score: [0.5, 1.5, 2.25] },
    });
    expect(rig.site.requested).toContain("/chunks/parquet_wasm_bg.wasm");
    // What the page wrote is Parquet to another reader.
    const object = await raw.send(new GetObjectCommand({ Bucket: "web", Key: "tables/scores.parquet" }));
    const bytes = (await object.Body?.transformToByteArray()) as Uint8Array;
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("PAR1");
    const rows = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    });
    expect(rows).toEqual([
      { id: 1, name: "ada", score: 0.5 },
      { id: 2, name: "grace", score: 1.5 },
      { id: 3, name: "edsger", score: 2.25 },
    ]);
  });

  it("reads Parquet written by another writer", async () => {
    await put(
      "tables/crafted.parquet",
      writeParquet(
        [
          { name: "station", kind: "int32", values: [7, null, 42] },
          { name: "at", kind: "timestamp", unit: "MILLIS", values: [0n, 86_400_000n, null] },
        ],
        { gzip: true },
      ),
    );
    const read = ok(await call(rig.page, "get", rig.spec("tables"), "crafted"));
    expect(read).toMatchObject({ kind: "table", numRows: 3, fields: ["station", "at"] });
    if (read.kind !== "table") return;
    expect(read.columns.station).toEqual([7, null, 42]);
    // Timestamps come back as their epoch milliseconds (Arrow's JavaScript value for them).
    expect(read.columns.at).toEqual([0, 86_400_000, null]);
  });

  it("decodes a PNG written by Pillow", async () => {
    const png = await runPython(
      [
        "import io, sys, base64",
        "from PIL import Image",
        "img = Image.new('RGBA', (3, 2))",
        "img.putdata([(255,0,0,255),(0,255,0,255),(0,0,255,255),(10,20,30,40),(255,255,255,0),(0,0,0,255)])",
        "out = io.BytesIO(); img.save(out, format='PNG')",
        "sys.stdout.write(base64.b64encode(out.getvalue()).decode())",
      ].join("\n"),
    );
    await put("images/pixels.png", Buffer.from(png, "base64"));
    const read = ok(await call(rig.page, "get", rig.spec("images"), "pixels"));
    expect(read).toEqual({
      kind: "image",
      width: 3,
      height: 2,
      data: [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 40, 255, 255, 255, 0, 0, 0, 0, 255],
    });
  });
});
