/**
 * S3, autostore-js (its default request path) against unstorage (S3 driver: aws4fetch over `fetch`),
 * flydrive (S3 driver: the AWS SDK) and opendal (native, s3 service), with the raw AWS SDK as the
 * baseline, all against one local s3rver per scenario, each library under a prefix of its own. The
 * SDK clients (raw and flydrive's) get the settings any S3-compatible endpoint needs: path-style
 * addressing, checksums only when required. s3rver's own cost per request is in every number, so
 * ratios understate the differences between clients.
 */
import { readFileSync } from "node:fs";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Disk } from "flydrive";
import { S3Driver } from "flydrive/drivers/s3";
import { createStorage, type Storage } from "unstorage";
import s3Driver from "unstorage/drivers/s3";
import { AutoStore, S3Options } from "../src/node/index.js";
import { rawS3Client, type S3Server, startS3Server } from "../test/helpers/s3-server.js";
import { forEachLimit, mbPerSecond, opsPerSecond, quick, scenario, smallValue } from "./harness.js";
import {
  installed,
  newOpendal,
  type OpendalOperator,
  PEERS,
  plainKey,
  sameBytes,
  sameKeys,
  sameValues,
} from "./peers-common.js";

const MiB = 1024 * 1024;
const BIG = (quick ? 16 : 64) * MiB;
const SMALL_COUNT = quick ? 64 : 500;
const LIST_COUNT = quick ? 1_050 : 2_500;
const CONCURRENCY = 16;
const BUCKET = "bench";
const n = (count: number) => count.toLocaleString("en");

/**
 * CPU time, in ms, of this process (client side: our code, the SDK, opendal's threads) and of the
 * s3rver process (from `/proc/<pid>/stat`, Linux; NaN elsewhere), to tell the server's share of a
 * job from the client's.
 */
function cpuNow(server: S3Server | undefined): { client: number; server: number } {
  const usage = process.cpuUsage();
  let serverMs = Number.NaN;
  try {
    const fields = readFileSync(`/proc/${server?.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    // utime and stime, in clock ticks (100 a second on Linux).
    serverMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    // Not Linux, or the server is gone: the row reports NaN.
  }
  return { client: (usage.user + usage.system) / 1000, server: serverMs };
}

/** Wraps a side's job to note the client and server CPU it took, by side name. */
function meteredCpu(cpu: Map<string, { client: number[]; server: number[] }>, rig: Rig) {
  return <T>(side: string, job: () => Promise<T>) =>
    async (): Promise<T> => {
      const before = cpuNow(rig.server);
      const result = await job();
      const after = cpuNow(rig.server);
      let samples = cpu.get(side);
      if (!samples) {
        samples = { client: [], server: [] };
        cpu.set(side, samples);
      }
      samples.client.push(after.client - before.client);
      samples.server.push(after.server - before.server);
      return result;
    };
}

const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? Number.NaN;

const indices = Array.from({ length: SMALL_COUNT }, (_, i) => i);
const values = indices.map(smallValue);

/** A server and every library's client for it; `root` is the prefix each library works under. */
class Rig {
  server: S3Server | undefined;
  raw: S3Client | undefined;
  store: AutoStore | undefined;
  unstorage: Storage | undefined;
  flydrive: Disk | undefined;
  flydriveDriver: S3Driver | undefined;
  opendal: OpendalOperator | undefined;

  /** `shared`: every library at the bucket's root (listings); otherwise each under `<name>/`. */
  async open(shared = false): Promise<void> {
    const server = await startS3Server({ buckets: [BUCKET], cors: false });
    this.server = server;
    const prefix = (name: string) => (shared ? "" : `${name}/`);
    this.raw = rawS3Client(server);
    this.store = new AutoStore(`s3://${BUCKET}/${prefix("autostore")}`, {
      options: new S3Options(server.options()),
    });
    this.unstorage = createStorage({
      driver: s3Driver({
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
        endpoint: server.endpoint,
        region: server.region,
        bucket: BUCKET,
      }),
    });
    this.flydriveDriver = new S3Driver({
      bucket: BUCKET,
      visibility: "private",
      supportsACL: false,
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    this.flydrive = new Disk(this.flydriveDriver);
    this.opendal = newOpendal("s3", {
      bucket: BUCKET,
      endpoint: server.endpoint,
      region: server.region,
      access_key_id: server.accessKeyId,
      secret_access_key: server.secretAccessKey,
      root: `/${prefix("opendal")}`,
      disable_config_load: "true",
      disable_ec2_metadata: "true",
    });
  }

  async close(): Promise<void> {
    this.raw?.destroy();
    await this.store?.close();
    await this.unstorage?.dispose();
    await this.server?.stop();
  }
}

/** unstorage joins its keys with `:`; its S3 driver turns them back into `/`. */
const unstorageKey = (key: string) => `unstorage/${key}`;

// ---- put + get of one large object ----
{
  const rig = new Rig();
  let data = new Uint8Array(0);
  let buffer = Buffer.alloc(0);
  scenario({
    name: `S3 put+get ${BIG / MiB} MiB`,
    quick: true,
    baselineName: "raw SDK",
    target: 1.03,
    note: `PUT big.bin then GET it back: S3Client PutObject + GetObject (transformToByteArray) vs store.set + store.get, unstorage setItemRaw + getItemRaw, flydrive put + getBytes, opendal write + read; one PUT each (under every library's multipart threshold)`,
    setup: async () => {
      await rig.open();
      data = new Uint8Array(BIG);
      for (let i = 0; i < BIG; i += 4096) data[i] = (i >> 12) & 255;
      buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    },
    check: sameBytes(() => data),
    baseline: async () => {
      const raw = rig.raw as S3Client;
      await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: "raw/big.bin", Body: data }));
      const out = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: "raw/big.bin" }));
      return out.Body?.transformToByteArray();
    },
    subject: async () => {
      const store = rig.store as AutoStore;
      await store.set("big.bin", data);
      return store.get<Uint8Array>("big.bin");
    },
    peers: [
      {
        name: "unstorage",
        label: `${PEERS.unstorage}, s3 driver (aws4fetch)`,
        run: async () => {
          const s = rig.unstorage as Storage;
          await s.setItemRaw(unstorageKey("big.bin"), data);
          return s.getItemRaw(unstorageKey("big.bin"));
        },
      },
      {
        name: "flydrive",
        label: `${PEERS.flydrive}, s3 driver (AWS SDK)`,
        run: async () => {
          const d = rig.flydrive as Disk;
          await d.put("flydrive/big.bin", data);
          return d.getBytes("flydrive/big.bin");
        },
      },
      {
        name: "opendal",
        label: `${PEERS.opendal}, s3 service`,
        run: async () => {
          const op = installed(rig.opendal);
          await op.write("big.bin", buffer);
          return op.read("big.bin");
        },
      },
    ],
    teardown: () => rig.close(),
    metrics: (t) => ({
      "MB/s": mbPerSecond(2 * BIG, t.subjectMs),
      "raw MB/s": mbPerSecond(2 * BIG, t.baselineMs),
    }),
  });
}

// ---- put + get of many small JSON objects, 16 in flight ----
{
  const rig = new Rig();
  const key = (i: number) => `item-${i}.json`;
  const cpu = new Map<string, { client: number[]; server: number[] }>();
  const metered = meteredCpu(cpu, rig);
  scenario({
    name: `S3 ${n(SMALL_COUNT)} small JSON put+get, concurrency ${CONCURRENCY}`,
    quick: true,
    baselineName: "raw SDK",
    target: 0.45,
    note: `PUT item-N.json for every value, then GET every one (${CONCURRENCY} in flight): S3Client PutObject(JSON.stringify, application/json) + GetObject + transformToString + JSON.parse vs store.set/get, unstorage setItem/getItem, flydrive put/get + JSON, opendal write/read + JSON; the job returns the values read`,
    setup: () => rig.open(),
    check: sameValues(values),
    baseline: metered("raw SDK", async () => {
      const raw = rig.raw as S3Client;
      await forEachLimit(indices, CONCURRENCY, (i) =>
        raw.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: `raw/${key(i)}`,
            Body: JSON.stringify(values[i]),
            ContentType: "application/json",
          }),
        ),
      );
      const out: unknown[] = [];
      await forEachLimit(indices, CONCURRENCY, async (i) => {
        const got = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: `raw/${key(i)}` }));
        out[i] = JSON.parse((await got.Body?.transformToString()) ?? "");
      });
      return out;
    }),
    subject: metered("autostore-js", async () => {
      const store = rig.store as AutoStore;
      await forEachLimit(indices, CONCURRENCY, (i) => store.set(key(i), values[i]));
      const out: unknown[] = [];
      await forEachLimit(indices, CONCURRENCY, async (i) => {
        out[i] = await store.get(key(i));
      });
      return out;
    }),
    peers: [
      {
        name: "unstorage",
        label: `${PEERS.unstorage}, s3 driver (aws4fetch)`,
        run: async () => {
          const s = rig.unstorage as Storage;
          await forEachLimit(indices, CONCURRENCY, (i) =>
            s.setItem(unstorageKey(key(i)), values[i] as Record<string, unknown>),
          );
          const out: unknown[] = [];
          await forEachLimit(indices, CONCURRENCY, async (i) => {
            out[i] = await s.getItem(unstorageKey(key(i)));
          });
          return out;
        },
      },
      {
        name: "flydrive",
        label: `${PEERS.flydrive}, s3 driver (AWS SDK)`,
        run: async () => {
          const d = rig.flydrive as Disk;
          await forEachLimit(indices, CONCURRENCY, (i) =>
            d.put(`flydrive/${key(i)}`, JSON.stringify(values[i]), { contentType: "application/json" }),
          );
          const out: unknown[] = [];
          await forEachLimit(indices, CONCURRENCY, async (i) => {
            out[i] = JSON.parse(await d.get(`flydrive/${key(i)}`));
          });
          return out;
        },
      },
      {
        name: "opendal",
        label: `${PEERS.opendal}, s3 service`,
        run: metered("opendal", async () => {
          const op = installed(rig.opendal);
          await forEachLimit(indices, CONCURRENCY, (i) =>
            op.write(key(i), JSON.stringify(values[i]), { contentType: "application/json" }),
          );
          const out: unknown[] = [];
          await forEachLimit(indices, CONCURRENCY, async (i) => {
            out[i] = JSON.parse((await op.read(key(i))).toString("utf8"));
          });
          return out;
        }),
      },
    ],
    teardown: () => rig.close(),
    metrics: (t) => {
      // The server's CPU per side is the floor that side's time cannot go below on this machine.
      const out: Record<string, number> = {
        "ops/s": opsPerSecond(2 * SMALL_COUNT, t.subjectMs),
        "raw ops/s": opsPerSecond(2 * SMALL_COUNT, t.baselineMs),
      };
      for (const [side, samples] of cpu) {
        out[`${side} s3rver CPU ms`] = Math.round(medianOf(samples.server));
        out[`${side} client CPU ms`] = Math.round(medianOf(samples.client));
      }
      return out;
    },
  });
}

// ---- listing of many keys under one prefix ----
{
  const rig = new Rig();
  const names = Array.from({ length: LIST_COUNT }, (_, i) => `many/k${String(i).padStart(4, "0")}.json`);
  const expected = names.map(plainKey);
  scenario({
    name: `S3 listing ${n(LIST_COUNT)} keys`,
    quick: true,
    baselineName: "raw SDK",
    target: 0.8,
    note: `every key under many/ (${n(LIST_COUNT)} objects, all libraries over the same ones): S3Client ListObjectsV2 pages of 1,000 vs store.keys('many/'), unstorage getKeys('many'), flydrive listAll('many/', recursive) page by page, opendal list('many/', recursive); checked against the names written, any order`,
    setup: async () => {
      await rig.open(true);
      const raw = rig.raw as S3Client;
      await forEachLimit(names, CONCURRENCY, (name) =>
        raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: name, Body: "{}" })),
      );
    },
    check: sameKeys(() => expected, plainKey),
    baseline: async () => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page: ListObjectsV2CommandOutput = await (rig.raw as S3Client).send(
          new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "many/", ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    subject: async () => {
      const keys: string[] = [];
      for await (const key of (rig.store as AutoStore).keys("many/")) keys.push(key);
      return keys;
    },
    peers: [
      {
        name: "unstorage",
        label: `${PEERS.unstorage}, s3 driver (aws4fetch)`,
        run: () => (rig.unstorage as Storage).getKeys("many"),
      },
      {
        name: "flydrive",
        label: `${PEERS.flydrive}, s3 driver (AWS SDK)`,
        run: async () => {
          const keys: string[] = [];
          let paginationToken: string | undefined;
          do {
            const page = await (rig.flydrive as Disk).listAll("many/", { recursive: true, paginationToken });
            for (const o of page.objects) if (o.isFile) keys.push(o.key);
            paginationToken = page.paginationToken;
          } while (paginationToken);
          return keys;
        },
      },
      {
        name: "opendal",
        label: `${PEERS.opendal}, s3 service`,
        run: async () => {
          const entries = await installed(rig.opendal).list("many/", { recursive: true });
          const keys: string[] = [];
          for (const e of entries) {
            const p = e.path();
            if (!p.endsWith("/")) keys.push(p);
          }
          return keys;
        },
      },
    ],
    teardown: () => rig.close(),
    metrics: (t) => ({
      "keys/s": opsPerSecond(LIST_COUNT, t.subjectMs),
      "raw keys/s": opsPerSecond(LIST_COUNT, t.baselineMs),
    }),
  });
}
