/**
 * The Python AutoStore's AutoPath examples (the seed's sections "Basic AutoPath Usage" through
 * "Integration Example"), translated line by line, on real disk and on the local S3 server. Each
 * section runs twice: the seed's `s3://` paths become keys of a disk store, then real S3 URIs.
 */
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tableFromArrays } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AlreadyExistsError,
  AutoPath,
  AutoStore,
  Dataset,
  DirectoryNotEmptyError,
  InvalidKeyError,
  IsADirectoryError,
  KeyNotFoundError,
  NotADirectoryError,
  PermissionDeniedError,
  ReadOnlyError,
  S3Options,
} from "../../src/node/index.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";
import { tempDir } from "../helpers/tmp.js";

let server: S3Server;
let tmp: { path: string; remove: () => Promise<void> };
const stores: AutoStore[] = [];
let n = 0;

beforeAll(async () => {
  [server, tmp] = await Promise.all([startS3Server({ buckets: ["my-bucket", "other-bucket"] }), tempDir()]);
}, 60_000);
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await AutoPath.clearDefaultStores();
  await Promise.all([server?.stop(), tmp?.remove()]);
});

interface Env {
  store: AutoStore;
  /** The folder of the store's root on disk. */
  local: string;
  /** Where the seed writes `s3://…`: a key of the disk store, or a real S3 URI. */
  remote(rel: string): AutoPath;
  /** Objects under a remote folder, read around AutoPath (the disk or a fresh store). */
  listed(rel: string): Promise<string[]>;
}

async function diskEnv(): Promise<Env> {
  const local = join(tmp.path, `disk-${++n}`);
  const store = new AutoStore(local);
  stores.push(store);
  return {
    store,
    local,
    remote: (rel) => store.path(rel),
    listed: async (rel) => {
      const out: string[] = [];
      for await (const k of store.listFiles(`${rel}/**`)) out.push(k);
      return out.sort();
    },
  };
}

async function s3Env(): Promise<Env> {
  const local = join(tmp.path, `s3-${++n}`);
  const prefix = `run-${n}`;
  const store = new AutoStore(local, { options: [new S3Options({ scheme: "s3", ...server.options() })] });
  const raw = new AutoStore(`s3://my-bucket/${prefix}/`, server.options());
  stores.push(store, raw);
  return {
    store,
    local,
    remote: (rel) => new AutoPath(`s3://my-bucket/${prefix}/${rel}`, { store }),
    listed: async (rel) => {
      const out: string[] = [];
      for await (const k of raw.listFiles(`${rel}/**`)) out.push(k);
      return out.sort();
    },
  };
}

const ENVS: Array<[string, () => Promise<Env>]> = [
  ["local disk", diskEnv],
  ["S3", s3Env],
];

describe.each(ENVS)("AutoPath seed examples on %s", (_name, makeEnv) => {
  it("Basic AutoPath Usage", async () => {
    const { store, remote, local } = await makeEnv();
    const localPath = store.path("config.json");
    const s3Path = remote("data/results.parquet");
    expect(await localPath.exists()).toBe(false);
    expect(await s3Path.exists()).toBe(false);
    await localPath.writeText('{"key": "value"}');
    await s3Path.writeBytes(new TextEncoder().encode("binary data"));
    expect(await localPath.readText()).toBe('{"key": "value"}');
    expect(new TextDecoder().decode(await s3Path.readBytes())).toBe("binary data");
    expect(await readFile(join(local, "config.json"), "utf8")).toBe('{"key": "value"}');
    expect(await localPath.exists()).toBe(true);
    expect(await s3Path.isFile()).toBe(true);
  });

  it("Path Manipulation and Navigation", async () => {
    const { remote } = await makeEnv();
    const dataDir = remote("datasets");
    const experimentDir = dataDir.joinpath("experiment_1");
    const resultsFile = experimentDir.joinpath("results.parquet");
    expect(String(resultsFile)).toBe(`${dataDir}/experiment_1/results.parquet`);
    expect(resultsFile.name).toBe("results.parquet");
    expect(resultsFile.stem).toBe("results");
    expect(resultsFile.suffix).toBe(".parquet");
    expect(String(resultsFile.parent)).toBe(`${dataDir}/experiment_1`);
    const grandparent = resultsFile.parent.parent;
    expect(grandparent.equals(dataDir)).toBe(true);
    expect(resultsFile.parents.map(String)).toContain(String(dataDir));
    expect(resultsFile.parents[0]?.equals(experimentDir)).toBe(true);
  });

  it("File and Directory Operations", async () => {
    const { remote } = await makeEnv();
    const dataDir = remote("datasets");
    const experimentDir = dataDir.joinpath("experiment_1");
    const resultsFile = experimentDir.joinpath("results.parquet");
    await resultsFile.writeText("not really parquet");
    await experimentDir.joinpath("metrics.csv").writeText("a,b\n1,2\n");
    await experimentDir.joinpath("deep", "more.parquet").writeText("x");
    await dataDir.joinpath("readme.md").writeText("# data");

    expect(await resultsFile.exists()).toBe(true);
    expect(await resultsFile.isFile()).toBe(true);
    expect(await resultsFile.isDir()).toBe(false);
    expect(await dataDir.isDir()).toBe(true);
    expect(await dataDir.isFile()).toBe(false);

    const found: Array<[string, number | undefined]> = [];
    for await (const item of dataDir.iterdir()) {
      found.push([item.name, (await item.isFile()) ? (await item.stat()).size : undefined]);
    }
    expect(found.sort()).toEqual([
      ["experiment_1", undefined],
      ["readme.md", 6],
    ]);
    const parquet: string[] = [];
    for await (const f of dataDir.glob("**/*.parquet")) parquet.push(String(f.relativeTo(dataDir)));
    expect(parquet.sort()).toEqual(["experiment_1/deep/more.parquet", "experiment_1/results.parquet"]);
    const csv: string[] = [];
    for await (const f of experimentDir.glob("*.csv")) csv.push(f.name);
    expect(csv).toEqual(["metrics.csv"]);
    const rglobbed: string[] = [];
    for await (const f of dataDir.rglob("*.parquet")) rglobbed.push(f.name);
    expect(rglobbed.sort()).toEqual(["more.parquet", "results.parquet"]);

    const meta = await resultsFile.stat();
    expect(meta.size).toBe(18);
    expect(meta.modifiedTime).toBeInstanceOf(Date);
    expect(meta.etag).toBeTruthy();
    // A path names one file exactly: no extension is guessed.
    expect(await experimentDir.joinpath("metrics").exists()).toBe(false);
    await expect(resultsFile.iterdir()[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(
      NotADirectoryError,
    );
    await expect(dataDir.readText()).rejects.toBeInstanceOf(IsADirectoryError);
  });

  it("Directory Management", async () => {
    const { store, remote, local, listed } = await makeEnv();
    const localDir = store.path("data/analysis");
    await localDir.mkdir({ parents: true, existOk: true });
    expect((await stat(join(local, "data", "analysis"))).isDirectory()).toBe(true);
    expect(await localDir.isDir()).toBe(true);
    await expect(localDir.mkdir()).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(store.path("missing/child").mkdir()).rejects.toBeInstanceOf(KeyNotFoundError);
    expect(await store.path("missing").exists()).toBe(false);

    const emptyDir = remote("empty-folder");
    await emptyDir.mkdir({ parents: true, existOk: true });
    await emptyDir.rmdir();
    expect(await emptyDir.joinpath("x").exists()).toBe(false);

    const oldExperiment = remote("old-experiment");
    await oldExperiment.joinpath("a.json").save({ a: 1 });
    await oldExperiment.joinpath("sub", "b.json").save({ b: 2 });
    const before = await listed("old-experiment");
    await expect(oldExperiment.rmdir()).rejects.toBeInstanceOf(DirectoryNotEmptyError);
    expect(await listed("old-experiment")).toEqual(before);
    await expect(oldExperiment.joinpath("a.json").rmdir()).rejects.toBeInstanceOf(NotADirectoryError);
    await oldExperiment.delete();
    expect(await oldExperiment.exists()).toBe(false);
    expect(await listed("old-experiment")).toEqual([]);
    await expect(oldExperiment.delete()).rejects.toBeInstanceOf(KeyNotFoundError);
    await oldExperiment.joinpath("gone.json").unlink({ missingOk: true });
    await expect(oldExperiment.joinpath("gone.json").unlink()).rejects.toBeInstanceOf(KeyNotFoundError);
  });

  it("File Transfer Operations", async () => {
    const { store, remote, local } = await makeEnv();
    const localFile = store.path("data/model.pt");
    await localFile.writeBytes(new Uint8Array([1, 2, 3, 4]));
    const s3Backup = remote("backup/models/model.pt");
    await localFile.copyTo(s3Backup);
    expect([...(await s3Backup.readBytes())]).toEqual([1, 2, 3, 4]);

    const tempFile = store.path("temp/processing.csv");
    await tempFile.writeText("a,b\n1,2\n");
    const finalLocation = remote("processed/final.csv");
    await tempFile.moveTo(finalLocation);
    expect(await tempFile.exists()).toBe(false);
    expect(await finalLocation.readText()).toBe("a,b\n1,2\n");

    const localSource = join(local, "..", `results-${n}.xlsx`);
    await writeFile(localSource, "xlsx bytes");
    const s3Destination = remote("analysis/results.xlsx");
    await s3Destination.uploadFrom(localSource);
    expect(await s3Destination.readText()).toBe("xlsx bytes");

    const s3Source = remote("data/large_dataset.parquet");
    await s3Source.writeText("parquet bytes");
    const localDestination = join(local, "..", `downloads-${n}`, "dataset.parquet");
    await s3Source.downloadTo(localDestination);
    expect(await readFile(localDestination, "utf8")).toBe("parquet bytes");
    // Into an existing folder: the file goes inside it.
    const folder = join(local, "..", `downloads-${n}`);
    await s3Source.downloadTo(folder);
    expect(await readFile(join(folder, "large_dataset.parquet"), "utf8")).toBe("parquet bytes");

    // Folders copy as trees, to the same keys however often.
    const tree = remote("tree");
    await tree.joinpath("a.txt").writeText("a");
    await tree.joinpath("sub", "b.txt").writeText("b");
    const copy = store.path("tree-copy");
    await tree.copyTo(copy);
    await tree.copyTo(copy);
    const copied: string[] = [];
    for await (const f of copy.rglob("*")) copied.push(String(f.relativeTo(copy)));
    expect(copied.sort()).toEqual(["a.txt", "sub/b.txt"]);
    // A local folder uploads its tree.
    const upFolder = join(local, "..", `up-${n}`);
    await mkdir(join(upFolder, "x"), { recursive: true });
    await writeFile(join(upFolder, "one.txt"), "1");
    await writeFile(join(upFolder, "x", "two.txt"), "2");
    const upTarget = remote("uploaded");
    await upTarget.uploadFrom(upFolder);
    expect(await upTarget.joinpath("x", "two.txt").readText()).toBe("2");
    // …and a folder moves as a tree.
    const moved = remote("moved");
    await upTarget.moveTo(moved);
    expect(await upTarget.exists()).toBe(false);
    expect(await moved.joinpath("one.txt").readText()).toBe("1");
  });

  it("Data Loading with Automatic Format Detection", async () => {
    const { remote } = await makeEnv();
    const parquetPath = remote("data/sales.parquet");
    await parquetPath.save(
      tableFromArrays({ a: Int32Array.from([1, 2, 3]), b: Float64Array.from([4, 5, 6]) }),
    );
    const df = await parquetPath.load<{ numRows: number }>();
    expect(df.numRows).toBe(3);

    const jsonPath = remote("config/settings.json");
    await jsonPath.save({ debug: true });
    expect(await jsonPath.load()).toEqual({ debug: true });

    const csvAsParquet = remote("data/data.csv");
    await csvAsParquet.writeBytes(await parquetPath.readBytes());
    expect((await csvAsParquet.load<{ numRows: number }>({ format: "parquet" })).numRows).toBe(3);

    const fresh = await parquetPath.load<{ numRows: number }>({ ignoreCache: true });
    expect(fresh.numRows).toBe(3);

    const results = { accuracy: 0.95, model: "transformer" };
    const resultsPath = remote("experiments/run_001/results.json");
    await resultsPath.save(results);
    expect(JSON.parse(await resultsPath.readText())).toEqual(results);

    const dataPath = remote("datasets/processed.parquet");
    await dataPath.save(tableFromArrays({ a: Int32Array.from([1, 2, 3]) }));
    expect((await dataPath.load<{ numRows: number }>()).numRows).toBe(3);
    // The path's own extension decides; a bare name needs a format.
    await expect(remote("bare").save({ x: 1 })).rejects.toMatchObject({ code: "UNSUPPORTED_FORMAT" });
    await remote("bare").save({ x: 1 }, { format: "json" });
    expect(await remote("bare").load({ format: "json" })).toEqual({ x: 1 });
    expect(await remote("bare.json").exists()).toBe(false);
  });

  it("Advanced Path Operations", async () => {
    const { store, remote } = await makeEnv();
    const logPath = remote("logs/app.2024-01-15.log");
    expect(logPath.match("*.log")).toBe(true);
    expect(logPath.match("logs/*.log")).toBe(true);
    expect(logPath.match("*.txt")).toBe(false);
    const basePath = remote("experiments");
    const resultPath = remote("experiments/run_1/results.json");
    expect(String(resultPath.relativeTo(basePath))).toBe("run_1/results.json");
    expect(() => basePath.relativeTo(resultPath)).toThrow(InvalidKeyError);
    const configPath = remote("app/config.yaml");
    expect(configPath.withSuffix(".yaml.bak").name).toBe("config.yaml.bak");
    expect(configPath.withName("new_config.yaml").name).toBe("new_config.yaml");
    expect(configPath.withStem("production").name).toBe("production.yaml");
    expect(() => configPath.withSuffix("bak")).toThrow(InvalidKeyError);
    const localPath = store.path("data/file.json");
    expect(localPath.asPosix()).toBe("data/file.json");
    expect(localPath.asUri()).toMatch(/^file:\/\/\/.*\/data\/file\.json$/);
    expect(remote("a b/c#d.json").asUri()).toMatch(/a%20b\/c%23d\.json$/);
    expect(remote("x").isAbsolute()).toBe(remote("x").scheme === "s3");
  });

  it("Integration Example", async () => {
    const { store, remote, local } = await makeEnv();
    const rawData = remote("raw-data/sales/2024/");
    for (const [i, region] of ["north", "south", "north"].entries()) {
      await rawData
        .joinpath(`part-${i}.parquet`)
        .save(tableFromArrays({ region: [region, region], sales: Float64Array.from([i + 1, 10 * (i + 1)]) }));
    }
    const processedData = remote("processed/sales_summary.parquet");
    const localBackup = store.path("backups/sales_summary.parquet");
    expect(await rawData.isDir()).toBe(true);
    const df = await rawData.load<Dataset>();
    expect(df).toBeInstanceOf(Dataset);
    const table = await df.toTable();
    const totals = new Map<string, { total: number; count: number }>();
    for (const row of table.toArray() as Array<{ region: string; sales: number }>) {
      const t = totals.get(row.region) ?? { total: 0, count: 0 };
      totals.set(row.region, { total: t.total + row.sales, count: t.count + 1 });
    }
    const regions = [...totals.keys()].sort();
    const summary = tableFromArrays({
      region: regions,
      total_sales: Float64Array.from(regions.map((r) => totals.get(r)?.total ?? 0)),
      transaction_count: Int32Array.from(regions.map((r) => totals.get(r)?.count ?? 0)),
    });
    await processedData.save(summary);
    await processedData.copyTo(localBackup);
    const back = await localBackup.load<{ numRows: number; toArray(): unknown[] }>();
    expect(back.numRows).toBe(2);
    expect(JSON.parse(JSON.stringify(back.toArray()))).toEqual([
      { region: "north", total_sales: 44, transaction_count: 4 },
      { region: "south", total_sales: 22, transaction_count: 2 },
    ]);
    expect(await readdir(join(local, "backups"))).toEqual(["sales_summary.parquet"]);
  });

  it("refuses a path that escapes the store's root, writing nothing", async () => {
    const { store, local } = await makeEnv();
    await expect(store.path("../outside.txt").writeText("x")).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(store.path(join(local, "..", "outside.txt")).writeText("x")).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    await expect(stat(join(local, "..", "outside.txt"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("AutoPath without explicit store", () => {
  const saved: Record<string, string | undefined> = {};
  const ENV = {
    AWS_ENDPOINT_URL: () => server.endpoint,
    AWS_ACCESS_KEY_ID: () => server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: () => server.secretAccessKey,
    AWS_REGION: () => server.region,
  };
  beforeAll(() => {
    for (const [k, v] of Object.entries(ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v();
    }
  });
  afterAll(async () => {
    await AutoPath.clearDefaultStores();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("makes a local store for a local path and an S3 store for an s3:// URI, and reuses them", async () => {
    const localPath = new AutoPath(join(tmp.path, "nostore", "data", "file.json"));
    await localPath.save({ local: true });
    expect(await localPath.load()).toEqual({ local: true });
    expect(JSON.parse(await readFile(join(tmp.path, "nostore", "data", "file.json"), "utf8"))).toEqual({
      local: true,
    });
    const s3Path = new AutoPath("s3://other-bucket/file.json");
    await s3Path.save({ new: "data" });
    expect(await s3Path.load()).toEqual({ new: "data" });
    expect(new AutoPath("s3://other-bucket/else.json").store).toBe(s3Path.store);
    expect(localPath.store).toBe(new AutoPath("/elsewhere").store);
    const before = s3Path.store;
    await AutoPath.clearDefaultStores();
    expect(s3Path.store).not.toBe(before);
  });

  it("reads, stats and loads an http(s) URL (a presigned S3 URL), and refuses writes", async () => {
    const store = new AutoStore("s3://other-bucket/", server.options());
    stores.push(store);
    const p = store.path("shared/report.json");
    await p.save({ rows: 3 });
    const url = await p.presign({ expiresIn: 600 });
    const web = new AutoPath(url);
    expect(web.name).toBe("report.json");
    expect(await web.load()).toEqual({ rows: 3 });
    expect((await web.stat()).size).toBe((await p.stat()).size);
    expect(await web.exists()).toBe(true);
    expect(await web.isDir()).toBe(false);
    expect(await web.withName("missing.json").exists()).toBe(false);
    await expect(web.withName("missing.json").load()).rejects.toMatchObject({ code: "KEY_NOT_FOUND" });
    await expect(web.writeText("x")).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(web.save({ x: 1 })).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(web.mkdir()).rejects.toBeInstanceOf(ReadOnlyError);
    expect(await p.load()).toEqual({ rows: 3 });
  });
});
