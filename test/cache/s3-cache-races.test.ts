/**
 * The cache's integrity end to end on the local S3-compatible server: entries of two services that
 * share a URI never mix, and a read in flight across a write never leaves the old value behind, in
 * one store, in two stores sharing a cache folder, and in two processes. The proxy holds the old
 * answer back until the write has resolved, so each race happens the same way on every run.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AutoStore } from "../../src/node/index.js";
import { s3CacheIdentity } from "../../src/s3/identity.js";
import { S3Options } from "../../src/s3/index.js";
import { type FaultProxy, type ProxiedRequest, startProxy } from "../helpers/proxy.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";
import { tempDir } from "../helpers/tmp.js";

let server: S3Server;
let other: S3Server;
let proxy: FaultProxy;
let dir: { path: string; remove: () => Promise<void> };
let root: string;
let run = 0;
const stores: AutoStore[] = [];

beforeAll(async () => {
  [server, other] = await Promise.all([
    startS3Server({ buckets: ["test"] }),
    startS3Server({ buckets: ["test"] }),
  ]);
  proxy = await startProxy(server.endpoint);
});
afterAll(async () => {
  await Promise.all([proxy?.stop(), server?.stop(), other?.stop()]);
});
beforeEach(async () => {
  dir = await tempDir();
  root = `s3://test/race-${++run}/`;
  proxy.reset();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await dir.remove();
});

/** Fields of a cached store on the first server, through the proxy, with the shared cache folder. */
function fields(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...server.options({ endpoint: proxy.endpoint }),
    cacheEnabled: true,
    cacheDir: join(dir.path, "cache"),
    cacheExpiryHours: 1,
    // A held answer must not time out and come back as a retry, which would look like a new read.
    timeout: 600,
    ...extra,
  };
}

function store(extra: Record<string, unknown> = {}, at = root): AutoStore {
  const made = new AutoStore(at, fields(extra));
  stores.push(made);
  return made;
}

/** A GET of one object of this test's root (not a listing). */
function getOf(key: string): (request: ProxiedRequest) => boolean {
  const path = `/${root.slice("s3://".length)}${key}`;
  return (request) => request.method === "GET" && !request.query.has("list-type") && request.path === path;
}

/** Runs the writer fixture in a process of its own, sharing the cache folder. */
async function inOtherProcess(operation: "set" | "delete", key: string, value = ""): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "../fixtures/cache-writer.ts"),
      root,
      JSON.stringify(fields()),
      operation,
      key,
      value,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (data: Buffer) => {
    out += data.toString();
  });
  child.stderr.on("data", (data: Buffer) => {
    err += data.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0 || !out.includes("done")) throw new Error(`the writer process failed (${code}): ${err}`);
}

describe("cache entries name their service", () => {
  it("two servers, one bucket name, one cache folder: each store reads its own bytes", async () => {
    const cacheDir = join(dir.path, "cache");
    const onFirst = store({ cacheDir }, "s3://test/");
    const onOther = new AutoStore("s3://test/", { ...other.options(), cacheEnabled: true, cacheDir });
    stores.push(onOther);
    const key = `same-${run}.txt`;
    await onFirst.set(key, "bytes of the first server");
    await onOther.set(key, "bytes of the other server");
    for (let round = 0; round < 2; round++) {
      // The second round is served from the cache: still each its own.
      expect(await onFirst.get(key)).toBe("bytes of the first server");
      expect(await onOther.get(key)).toBe("bytes of the other server");
    }
    proxy.reset();
    expect(await onFirst.get(key)).toBe("bytes of the first server");
    expect(proxy.stats().requests).toBe(0);
    // A change on one server leaves the other's entry alone, and the reverse.
    await onOther.set(key, "changed on the other server");
    expect(await onFirst.get(key)).toBe("bytes of the first server");
    expect(await onOther.get(key)).toBe("changed on the other server");
  });

  it("keeps apart entries of one server reached in another region or addressing style", async () => {
    const writer = store({ cacheEnabled: false });
    await writer.set("r.txt", "value");
    const first = store();
    expect(await first.get("r.txt")).toBe("value");
    for (const extra of [{ region: "eu-west-1" }, { forcePathStyle: true, endpoint: `${proxy.endpoint}/` }]) {
      proxy.reset();
      const elsewhere = store(extra);
      expect(await elsewhere.get("r.txt")).toBe("value");
      // The trailing slash names the same service: its entry is shared. The region does not.
      expect(proxy.count("GET")).toBe("region" in extra ? 1 : 0);
    }
  });

  it("an identity names endpoint, region, style and account, with no credential in clear", async () => {
    const base = { endpoint: "https://minio.example.com:9000/", region: "us-east-1" };
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const of = (extra: Record<string, unknown>) =>
      s3CacheIdentity(
        "s3",
        new S3Options({ ...base, accessKeyId: "AKIAEXAMPLE", secretAccessKey: secret, ...extra }),
      );
    const identity = await of({});
    expect(identity).not.toContain("AKIAEXAMPLE");
    expect(identity).not.toContain(secret);
    expect(identity).toContain("minio.example.com:9000");
    expect(await of({})).toBe(identity);
    const variants = [
      { endpoint: "https://minio.other.com/" },
      { region: "eu-west-1" },
      { forcePathStyle: false },
      { accessKeyId: "AKIAOTHER" },
      { credentials: async () => ({ accessKeyId: "AKIATHIRD", secretAccessKey: secret }) },
      { accessKeyId: undefined, secretAccessKey: undefined, anonymous: true },
    ];
    const all = await Promise.all(variants.map(of));
    expect(new Set([identity, ...all]).size).toBe(variants.length + 1);
    // Only the access key id decides the account, not the secret: rotating a secret keeps entries.
    expect(await of({ secretAccessKey: "another secret" })).toBe(identity);
  });
});

describe("a read in flight across a change", () => {
  const changes = {
    set: { run: (s: AutoStore) => s.set("k.txt", "NEW"), after: "NEW" },
    delete: { run: (s: AutoStore) => s.delete("k.txt"), after: undefined },
    copy: { run: (s: AutoStore) => s.copy("src.txt", "k.txt"), after: "FROM SRC" },
    move: { run: (s: AutoStore) => s.move("src.txt", "k.txt"), after: "FROM SRC" },
  } as const;

  async function expectAfter(s: AutoStore, after: string | undefined): Promise<void> {
    if (after === undefined) await expect(s.get("k.txt")).rejects.toMatchObject({ code: "KEY_NOT_FOUND" });
    else expect(await s.get("k.txt")).toBe(after);
  }

  for (const [name, change] of Object.entries(changes)) {
    it(`${name}: once it resolves, later reads never see the old value`, async () => {
      const s = store();
      await s.set("k.txt", "OLD");
      await s.set("src.txt", "FROM SRC");
      const held = proxy.hold(getOf("k.txt"));
      const inFlight = s.get("k.txt").catch((err: { code?: string }) => err.code);
      await held.arrived(); // the server has answered OLD; the answer waits in the proxy
      await change.run(s);
      held.release();
      expect(["OLD", change.after ?? "KEY_NOT_FOUND"]).toContain(await inFlight);
      await expectAfter(s, change.after);
      await expectAfter(s, change.after); // and not only once: nothing old was stored
      await expectAfter(store(), change.after); // a fresh store on the same cache folder agrees
    });
  }

  it("a read that starts after the write does not join a download that began before it", async () => {
    const s = store();
    await s.set("k.txt", "OLD");
    const first = proxy.hold(getOf("k.txt"));
    const second = proxy.hold(getOf("k.txt"));
    const before = s.get("k.txt");
    await first.arrived();
    await s.set("k.txt", "NEW");
    const after = s.get("k.txt");
    await second.arrived(); // its own request: it did not wait for the old download
    second.release();
    expect(await after).toBe("NEW");
    first.release();
    expect(["OLD", "NEW"]).toContain(await before);
    expect(await s.get("k.txt")).toBe("NEW");
  });

  it("an expired entry revalidating across a write: the renewal does not bring the old value back", async () => {
    const s = store({ cacheExpiryHours: 1 / 3600 });
    await s.set("k.txt", "OLD");
    expect(await s.get("k.txt")).toBe("OLD");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const held = proxy.hold((r) => getOf("k.txt")(r) && r.headers["if-none-match"] !== undefined);
    const inFlight = s.get("k.txt");
    await held.arrived(); // a 304 for OLD, held
    await s.set("k.txt", "NEW");
    held.release();
    expect(["OLD", "NEW"]).toContain(await inFlight);
    expect(await s.get("k.txt")).toBe("NEW");
  });

  it("two stores sharing a cache folder: a write through one is seen by the other's next read", async () => {
    const reader = store();
    const writer = store();
    await writer.set("k.txt", "OLD");
    const first = proxy.hold(getOf("k.txt"));
    const second = proxy.hold(getOf("k.txt"));
    const inFlight = reader.get("k.txt");
    await first.arrived();
    await writer.set("k.txt", "NEW");
    // The reader's own next read neither joins its old download nor finds it stored.
    const next = reader.get("k.txt");
    await second.arrived();
    second.release();
    expect(await next).toBe("NEW");
    first.release();
    expect(["OLD", "NEW"]).toContain(await inFlight);
    expect(await reader.get("k.txt")).toBe("NEW");
    expect(await writer.get("k.txt")).toBe("NEW");
  });

  for (const operation of ["set", "delete"] as const) {
    it(`another process's ${operation} is seen by this process's next read`, async () => {
      const reader = store();
      await reader.set("k.txt", "OLD");
      const first = proxy.hold(getOf("k.txt"));
      const second = proxy.hold(getOf("k.txt"));
      const inFlight = reader.get("k.txt").catch((err: { code?: string }) => err.code);
      await first.arrived();
      await inOtherProcess(operation, "k.txt", "NEW");
      const next = reader.get("k.txt").catch((err: { code?: string }) => err.code);
      await second.arrived();
      second.release();
      const expected = operation === "set" ? "NEW" : "KEY_NOT_FOUND";
      expect(await next).toBe(expected);
      first.release();
      expect(["OLD", expected]).toContain(await inFlight);
      expect(await reader.get("k.txt").catch((err: { code?: string }) => err.code)).toBe(expected);
    });
  }
});
