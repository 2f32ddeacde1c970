/**
 * The S3 examples of the Python AutoStore's documentation, in TypeScript, against two local
 * S3-compatible servers: "Cloud Storage", "Cross-Backend Access", "Multiple S3-Compatible Services",
 * "Usage Patterns" (all four ways to configure) and "Backend Management". What reaches each server
 * is checked with an independent client (a plain S3Client), not through the store.
 */

import { writeFile } from "node:fs/promises";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoStore, KeyNotFoundError, S3Options } from "../../src/node/index.js";
import { rawS3Client, type S3Server, startS3Server } from "../helpers/s3-server.js";
import { tempDir } from "../helpers/tmp.js";

let aws: S3Server;
let minio: S3Server;
let tmp: { path: string; remove: () => Promise<void> };
const stores: AutoStore[] = [];

beforeAll(async () => {
  [aws, minio, tmp] = await Promise.all([
    startS3Server({ buckets: ["my-bucket", "aws-bucket", "bucket"] }),
    startS3Server({ buckets: ["my-bucket", "my-space", "bucket"] }),
    tempDir(),
  ]);
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await Promise.all([aws?.stop(), minio?.stop(), tmp?.remove()]);
});

/** A store closed after the file's tests. */
function track(store: AutoStore): AutoStore {
  stores.push(store);
  return store;
}

/** A plain SDK client on one server: what is really stored there. */
function rawClient(server: S3Server): S3Client {
  return rawS3Client(server);
}

async function rawText(server: S3Server, bucket: string, key: string): Promise<string | undefined> {
  const client = rawClient(server);
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body?.transformToString();
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === "NoSuchKey" || name === "NoSuchBucket") return undefined;
    throw err;
  } finally {
    client.destroy();
  }
}

const cache = () => ({ cacheDir: `${tmp.path}/cache` });

describe("Cloud Storage", () => {
  it("detects S3 from the s3:// root, with plain option fields", async () => {
    const store = track(
      new AutoStore("s3://my-bucket/data/", { ...aws.options(), cacheEnabled: true, ...cache() }),
    );
    expect(await store.set("experiment/results", { accuracy: 0.95, epochs: 100 })).toBe(
      "experiment/results.json",
    );
    expect(await store.get("experiment/results")).toEqual({ accuracy: 0.95, epochs: 100 });
    expect(JSON.parse((await rawText(aws, "my-bucket", "data/experiment/results.json")) ?? "null")).toEqual({
      accuracy: 0.95,
      epochs: 100,
    });
  });

  it("resolves credentials and region from a named profile, as the AWS SDK does", async () => {
    // The shared config files of a developer's machine, in a temporary folder.
    await writeFile(
      `${tmp.path}/credentials`,
      `[my-profile]\naws_access_key_id = ${aws.accessKeyId}\naws_secret_access_key = ${aws.secretAccessKey}\n`,
    );
    await writeFile(`${tmp.path}/config`, "[profile my-profile]\nregion = us-east-1\n");
    process.env.AWS_SHARED_CREDENTIALS_FILE = `${tmp.path}/credentials`;
    process.env.AWS_CONFIG_FILE = `${tmp.path}/config`;
    try {
      const store = track(
        new AutoStore("s3://my-bucket/data/", {
          profile: "my-profile",
          endpoint: aws.endpoint,
          cacheEnabled: true,
          ...cache(),
        }),
      );
      await store.set("experiment/profiled", { accuracy: 0.9 });
      expect(await store.get("experiment/profiled")).toEqual({ accuracy: 0.9 });
      // An unknown profile is a refusal, not a hang.
      const unknown = track(
        new AutoStore("s3://my-bucket/data/", {
          profile: "no-such-profile",
          endpoint: aws.endpoint,
          region: "us-east-1",
        }),
      );
      await expect(unknown.get("experiment/profiled.json")).rejects.toMatchObject({
        code: "PERMISSION_DENIED",
      });
    } finally {
      delete process.env.AWS_SHARED_CREDENTIALS_FILE;
      delete process.env.AWS_CONFIG_FILE;
    }
  });

  it("takes an explicit S3Options", async () => {
    const options = new S3Options({ ...aws.options(), cacheEnabled: true, cacheExpiryHours: 12, ...cache() });
    const store = track(new AutoStore("s3://my-bucket/data/", { options }));
    await store.set("experiment/results", { accuracy: 0.96, epochs: 120 });
    expect(await store.get("experiment/results")).toEqual({ accuracy: 0.96, epochs: 120 });
    expect(store.optionsFor("s3")).toMatchObject({ cacheEnabled: true, cacheExpiryHours: 12 });
  });
});

describe("Cross-Backend Access", () => {
  it("reads and writes S3 with full URIs from a local store", async () => {
    const store = track(
      new AutoStore(`${tmp.path}/local-cache`, {
        cacheEnabled: true,
        ...cache(),
        options: new S3Options({ scheme: "s3", ...aws.options() }),
      }),
    );
    expect(await store.set("local_file", { type: "local" })).toBe("local_file.json");
    expect(await store.set("s3://bucket/remote.json", { type: "s3" })).toBe("s3://bucket/remote.json");
    expect(await store.get("local_file")).toEqual({ type: "local" });
    expect(await store.get("s3://bucket/remote.json")).toEqual({ type: "s3" });
    expect(await rawText(aws, "bucket", "remote.json")).toBe('{"type":"s3"}');
    // Copies across backends stream; a bare destination keeps the source's extension.
    expect(await store.copy("s3://bucket/remote.json", "from-s3")).toBe("from-s3.json");
    expect(await store.get("from-s3")).toEqual({ type: "s3" });
    expect(await store.copy("local_file", "s3://bucket/copied")).toBe("s3://bucket/copied.json");
    expect(await rawText(aws, "bucket", "copied.json")).toBe('{"type":"local"}');
  });
});

describe("Multiple S3-Compatible Services", () => {
  it("keeps two servers apart under two schemes of one store", async () => {
    AutoStore.registerScheme("minio", "s3");
    const awsOptions = new S3Options({ scheme: "s3", ...aws.options(), region: "us-east-1" });
    const minioOptions = new S3Options({ scheme: "minio", ...minio.options(), region: "us-east-1" });
    // A scheme nobody registered: the options that name it register it for this store.
    const doOptions = new S3Options({ scheme: "digitalocean", ...minio.options(), region: "nyc3" });
    const store = track(
      new AutoStore(`${tmp.path}/multi`, { options: [awsOptions, minioOptions, doOptions] }),
    );

    await store.set("s3://aws-bucket/data.json", { source: "aws" });
    await store.set("minio://my-bucket/data.json", { source: "minio" });
    await store.set("digitalocean://my-space/data.json", { source: "digitalocean" });

    expect(await store.get("s3://aws-bucket/data.json")).toEqual({ source: "aws" });
    expect(await store.get("minio://my-bucket/data.json")).toEqual({ source: "minio" });
    expect(await store.get("digitalocean://my-space/data.json")).toEqual({ source: "digitalocean" });

    // Each object is on its own server, and only there.
    expect(await rawText(aws, "aws-bucket", "data.json")).toBe('{"source":"aws"}');
    expect(await rawText(minio, "my-bucket", "data.json")).toBe('{"source":"minio"}');
    expect(await rawText(minio, "my-space", "data.json")).toBe('{"source":"digitalocean"}');
    expect(await rawText(aws, "my-bucket", "data.json")).toBeUndefined();
    expect(await rawText(minio, "aws-bucket", "data.json")).toBeUndefined();

    // The same bucket name on both servers holds different objects.
    await store.set("s3://my-bucket/same.txt", "on aws");
    await store.set("minio://my-bucket/same.txt", "on minio");
    expect(await store.get("s3://my-bucket/same.txt")).toBe("on aws");
    expect(await store.get("minio://my-bucket/same.txt")).toBe("on minio");
    expect(await rawText(minio, "my-bucket", "same.txt")).toBe("on minio");

    expect(store.optionsFor("digitalocean")).toMatchObject({ region: "nyc3", scheme: "digitalocean" });
    expect(store.getSupportedBackends()).toEqual(expect.arrayContaining(["s3", "minio", "digitalocean"]));
  });

  it("copies server-side within one service and streams between two", async () => {
    AutoStore.registerScheme("minio", "s3");
    const store = track(
      new AutoStore(`${tmp.path}/copies`, {
        options: [
          new S3Options({ scheme: "s3", ...aws.options() }),
          new S3Options({ scheme: "minio", ...minio.options() }),
        ],
      }),
    );
    await store.set("s3://bucket/a.json", { n: 1 });
    expect(await store.copy("s3://bucket/a.json", "s3://bucket/b.json")).toBe("s3://bucket/b.json");
    expect(await store.move("s3://bucket/b.json", "minio://bucket/c.json")).toBe("minio://bucket/c.json");
    expect(await rawText(minio, "bucket", "c.json")).toBe('{"n":1}');
    expect(await rawText(aws, "bucket", "b.json")).toBeUndefined();
    await expect(store.get("s3://bucket/b.json")).rejects.toBeInstanceOf(KeyNotFoundError);
  });
});

describe("Usage Patterns", () => {
  it("method 1: keyword fields", async () => {
    const store = track(new AutoStore("s3://bucket/", { ...aws.options(), cacheEnabled: true, ...cache() }));
    await store.set("m1", { method: 1 });
    expect(await store.get("m1")).toEqual({ method: 1 });
    expect(store.optionsFor()).toMatchObject({ cacheEnabled: true, endpoint: aws.endpoint });
  });

  it("method 2: one options object", async () => {
    const options = new S3Options({ scheme: "s3", ...aws.options(), cacheEnabled: true, ...cache() });
    const store = track(new AutoStore("s3://bucket/", { options }));
    await store.set("m2", { method: 2 });
    expect(await store.get("m2")).toEqual({ method: 2 });
    expect(store.optionsFor()).toBe(options);
  });

  it("method 3: options for several services", async () => {
    AutoStore.registerScheme("minio", "s3");
    const awsOptions = new S3Options({ scheme: "s3", ...aws.options() });
    const minioOptions = new S3Options({ scheme: "minio", ...minio.options() });
    const store = track(new AutoStore(`${tmp.path}/m3`, { options: [awsOptions, minioOptions] }));
    await store.set("s3://bucket/m3.json", { method: 3, on: "aws" });
    await store.set("minio://bucket/m3.json", { method: 3, on: "minio" });
    expect(await rawText(aws, "bucket", "m3.json")).toBe('{"method":3,"on":"aws"}');
    expect(await rawText(minio, "bucket", "m3.json")).toBe('{"method":3,"on":"minio"}');
  });

  it("method 4: an options object plus fields, the fields winning", async () => {
    const base = new S3Options({ scheme: "s3", ...aws.options(), maxRetries: 5 });
    const store = track(
      new AutoStore("s3://bucket/", { options: base, cacheEnabled: true, maxRetries: 2, ...cache() }),
    );
    await store.set("m4", { method: 4 });
    expect(await store.get("m4")).toEqual({ method: 4 });
    expect(store.optionsFor()).toMatchObject({ cacheEnabled: true, maxRetries: 2, endpoint: aws.endpoint });
  });
});

describe("Backend Management", () => {
  it("lists the schemes it can open and the backends in use", async () => {
    AutoStore.registerScheme("minio", "s3");
    AutoStore.registerScheme("digitalocean", "s3");
    const store = track(
      new AutoStore(`${tmp.path}/data`, {
        options: [
          new S3Options({ scheme: "s3", ...aws.options() }),
          new S3Options({ scheme: "minio", ...minio.options() }),
        ],
      }),
    );
    expect(store.getSupportedBackends()).toEqual(
      expect.arrayContaining(["s3", "minio", "digitalocean", "file", "memory", "http", "https"]),
    );
    expect(store.listActiveBackends()).toEqual([`primary: ${tmp.path}/data`]);
    await store.set("s3://bucket/file.json", { from: "s3" });
    await store.set("minio://bucket/file.json", { from: "minio" });
    expect(await store.get("s3://bucket/file.json")).toEqual({ from: "s3" });
    expect(await store.get("minio://bucket/file.json")).toEqual({ from: "minio" });
    expect(store.listActiveBackends()).toEqual([
      `primary: ${tmp.path}/data`,
      "s3: s3://bucket/",
      "minio: minio://bucket/",
    ]);
    expect(store.capabilities("s3://bucket/file.json")).toEqual({
      rangeRead: true,
      presign: true,
      multipart: true,
      writable: true,
      conditionalWrite: false,
    });
  });

  it("opens no SDK client until the first request", async () => {
    const store = track(new AutoStore("s3://no-such-bucket-yet/", { ...aws.options() }));
    expect(store.primaryBackend.root).toBe("s3://no-such-bucket-yet/");
    const err = await store.get("x.json").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BACKEND_ERROR", backendCode: "NoSuchBucket", status: 404 });
    const head = rawClient(aws);
    await expect(
      head.send(new HeadObjectCommand({ Bucket: "bucket", Key: "file.json" })),
    ).resolves.toBeDefined();
    head.destroy();
  });
});
