/**
 * Bare keys on S3 cost the same in a crowded folder as in an empty one: a bare `get` lists the key's
 * own prefix (`key.`) rather than everything that starts with the key, so it makes at most two
 * requests however many keys share its name's prefix. Counted on the wire, through the proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoStore, S3Options } from "../../src/node/index.js";
import { type FaultProxy, startProxy } from "../helpers/proxy.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";

const CROWD = 3_000;
let s3: S3Server;
let proxy: FaultProxy;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ["bare"] });
  proxy = await startProxy(s3.endpoint);
  // 3,000 keys that start with "item-1" (`item-1-0.json` …), and the bare key's own file.
  const store = new AutoStore("s3://bare/crowd/", { options: new S3Options(s3.options()) });
  const indices = Array.from({ length: CROWD }, (_, i) => i);
  for (let at = 0; at < CROWD; at += 50) {
    await Promise.all(indices.slice(at, at + 50).map((i) => store.set(`item-1-${i}.json`, { i })));
  }
  await store.set("item-1", { wanted: true });
  await store.set("plain", "text");
  await store.close();
}, 180_000);
afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
});

for (const transport of ["sdk", "fetch"] as const) {
  describe(`bare keys on s3 over ${transport}`, () => {
    const open = () =>
      new AutoStore("s3://bare/crowd/", {
        options: new S3Options(s3.options({ endpoint: proxy.endpoint, transport })),
      });

    it(`reads a bare key among ${CROWD} keys sharing its prefix in at most two requests`, async () => {
      const store = open();
      proxy.reset();
      expect(await store.get("item-1")).toEqual({ wanted: true });
      expect(proxy.log.length).toBeLessThanOrEqual(2);
      proxy.reset();
      expect(await store.has("item-1")).toBe(true);
      expect(proxy.log.length).toBe(1);
      proxy.reset();
      expect(await store.get("plain")).toBe("text");
      expect(proxy.log.length).toBeLessThanOrEqual(2);
      await store.close();
    });

    it("rewrites a bare key among them with one listing of its own prefix", async () => {
      const store = open();
      proxy.reset();
      await store.set("item-1", "now text");
      // The PUT, one listing of `item-1.`, and the removal of the old file (a HEAD and a DELETE).
      const listings = proxy.log.filter((e) => e.method === "GET" && e.query.has("list-type"));
      expect(listings.map((e) => e.query.get("prefix"))).toEqual(["crowd/item-1."]);
      expect(proxy.log.length).toBeLessThanOrEqual(4);
      expect(await store.get("item-1")).toBe("now text");
      await store.set("item-1", { wanted: true });
      await store.close();
    });
  });
}
