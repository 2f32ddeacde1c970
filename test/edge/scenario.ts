/**
 * What an edge function does with the store, run inside workerd and edge-runtime: set, get, has,
 * keys and delete on `memory://` and on S3 (the local server, over signed fetch), reported as plain
 * JSON for the test to assert on. The library comes in as a parameter: the caller is a bundle that
 * imported `autostore-js` with a platform's conditions, so what runs is the build that platform gets.
 */
import type * as Edge from "../../src/edge/index.js";

/** Where the S3 server is, as an edge function reads it from its environment bindings. */
export interface ScenarioEnv {
  S3_ENDPOINT: string;
  S3_REGION: string;
  S3_BUCKET: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  /** A folder of its own for each run. */
  S3_PREFIX: string;
}

/** What one store did. */
export interface StoreReport {
  written: string[];
  values: unknown[];
  bytes: number[];
  hasBefore: boolean[];
  keys: string[];
  nestedKeys: string[];
  hasAfterDelete: boolean;
  keysAfterDelete: string[];
  missing: { name: string; isAutoStoreError: boolean; key: unknown };
}

/** The whole report. */
export interface ScenarioReport {
  runtime: { process: string; require: string; DOMParser: string; Buffer: string };
  memory: StoreReport;
  s3: StoreReport;
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item);
  return out.sort();
}

async function exercise(lib: typeof Edge, store: Edge.AutoStore): Promise<StoreReport> {
  const written = [
    await store.set("greeting", { hello: "edge", n: [1, 2, 3] }),
    await store.set("notes/tom & jerry.txt", "cat <and> mouse"),
    await store.set("notes/deep/raw.bin", new Uint8Array([0, 1, 254, 255])),
  ];
  const values = [await store.get("greeting"), await store.get("notes/tom & jerry.txt")];
  const bytes = Array.from((await store.get("notes/deep/raw.bin")) as Uint8Array);
  const hasBefore = [
    await store.has("greeting"),
    await store.has("notes/tom & jerry.txt"),
    await store.has("nope"),
  ];
  const keys = await collect(store.keys());
  const nestedKeys = await collect(store.keys("notes/"));
  await store.delete("greeting");
  const hasAfterDelete = await store.has("greeting");
  const keysAfterDelete = await collect(store.keys());
  let missing: StoreReport["missing"] = { name: "no error", isAutoStoreError: false, key: undefined };
  try {
    await store.get("greeting");
  } catch (err) {
    const e = err as { name?: string; key?: unknown };
    missing = { name: String(e.name), isAutoStoreError: lib.isAutoStoreError(err), key: e.key };
  }
  await store.close();
  return { written, values, bytes, hasBefore, keys, nestedKeys, hasAfterDelete, keysAfterDelete, missing };
}

/** Runs the scenario on memory and on S3; credentials come from `env` as a worker's bindings would. */
export async function runScenario(lib: typeof Edge, env: ScenarioEnv): Promise<ScenarioReport> {
  const g = globalThis as Record<string, unknown>;
  const runtime = {
    process: typeof g.process,
    require: typeof g.require,
    DOMParser: typeof g.DOMParser,
    Buffer: typeof g.Buffer,
  };
  const memory = await exercise(lib, new lib.AutoStore(`memory://edge-${env.S3_PREFIX}`));
  const s3 = await exercise(
    lib,
    new lib.AutoStore(`s3://${env.S3_BUCKET}/${env.S3_PREFIX}/`, {
      options: new lib.S3Options({
        endpoint: env.S3_ENDPOINT,
        region: env.S3_REGION,
        accessKeyId: env.S3_ACCESS_KEY_ID,
        secretAccessKey: env.S3_SECRET_ACCESS_KEY,
        // The local server ignores If-None-Match on PUT.
        conditionalWrites: false,
      }),
    }),
  );
  return { runtime, memory, s3 };
}

/** What every runtime must report for the stores. */
export const EXPECTED_STORE: StoreReport = {
  written: ["greeting.json", "notes/tom & jerry.txt", "notes/deep/raw.bin"],
  values: [{ hello: "edge", n: [1, 2, 3] }, "cat <and> mouse"],
  bytes: [0, 1, 254, 255],
  hasBefore: [true, true, false],
  keys: ["greeting", "notes/deep/raw", "notes/tom & jerry"],
  nestedKeys: ["notes/deep/raw", "notes/tom & jerry"],
  hasAfterDelete: false,
  keysAfterDelete: ["notes/deep/raw", "notes/tom & jerry"],
  missing: { name: "KeyNotFoundError", isAutoStoreError: true, key: "greeting" },
};

/** What the tables part reports: column types and values, each value as text (null stays null). */
export interface FormatsReport {
  csv: { fields: string[]; columns: (string | null)[][] };
  parquet: { written: string; fields: string[]; columns: (string | null)[][] };
}

const CITIES_CSV =
  "city,since,big,pop\nParis,1860-01-01,true,2102650\nLyon,,false,522250\nSão Paulo,1554-01-25,TRUE,\n";

function describeTable(table: unknown): { fields: string[]; columns: (string | null)[][] } {
  const t = table as {
    schema: { fields: { name: string; type: unknown }[] };
    getChild(name: string): Iterable<unknown> | null;
  };
  const fields = t.schema.fields.map((f) => `${f.name}:${String(f.type)}`);
  const columns = t.schema.fields.map((f) =>
    [...(t.getChild(f.name) ?? [])].map((v) => (v === null ? null : String(v))),
  );
  return { fields, columns };
}

/**
 * CSV with inferred text, date, boolean and integer columns, then the same table through Parquet.
 * Parquet needs its WASM initialised first (`initParquetWasm`), which the caller does its own way.
 */
export async function runFormats(lib: typeof Edge): Promise<FormatsReport> {
  const store = new lib.AutoStore("memory://edge-formats");
  await store.set("cities.csv", CITIES_CSV);
  const table = await store.get("cities.csv");
  const csv = describeTable(table);
  const written = await store.set("cities", table);
  const parquet = { written, ...describeTable(await store.get("cities")) };
  await store.close();
  return { csv, parquet };
}

const CITY_COLUMNS = [
  ["Paris", "Lyon", "São Paulo"],
  [String(Date.UTC(1860, 0, 1)), null, String(Date.UTC(1554, 0, 25))],
  ["true", "false", "true"],
  ["2102650", "522250", null],
];

const CITY_FIELDS = ["city:Utf8", "since:Date32<DAY>", "big:Bool", "pop:Int32"];

/** What every runtime must report for the tables. */
export const EXPECTED_FORMATS: FormatsReport = {
  csv: { fields: CITY_FIELDS, columns: CITY_COLUMNS },
  parquet: { written: "cities.parquet", fields: CITY_FIELDS, columns: CITY_COLUMNS },
};
