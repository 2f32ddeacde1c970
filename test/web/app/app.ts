/**
 * The web app the page tests (and `bench/browser-s3.ts`) drive: what a user's app does with the store,
 * exposed on `window.app` as functions that take and return plain JSON, for `page.evaluate`. The
 * library and apache-arrow come in as parameters: the caller is the bundle's entry, which imported
 * `autostore-js` by its package name (the browser build, from the packed package), so what runs here
 * is exactly what a web app gets.
 */
import type * as Arrow from "apache-arrow";
import type * as Browser from "../../../src/browser/index.js";

/** How a page opens an S3 store: the root and JSON options, and optionally a credentials provider. */
export interface StoreSpec {
  root: string;
  init: Record<string, unknown>;
  /** Give `credentials` as an async function returning these keys (it counts its calls). */
  provider?: { accessKeyId: string; secretAccessKey: string; expiresInSeconds?: number };
}

/** An error as plain JSON. */
export interface ErrorReport {
  name: string;
  code?: string;
  message: string;
  key?: string;
  uri?: string;
  status?: number;
  origin?: string;
  serverOrigin?: string;
  isAutoStoreError: boolean;
}

/** A value as plain JSON: tables, images and bytes described, the rest as they are. */
export type Described =
  | { kind: "table"; numRows: number; fields: string[]; columns: Record<string, unknown[]> }
  | { kind: "image"; width: number; height: number; data: number[] }
  | { kind: "bytes"; data: number[] }
  | { kind: "value"; value: unknown };

/** What `crud` did. */
export interface CrudReport {
  written: string[];
  values: unknown[];
  bytes: number[];
  keys: string[];
  hasBefore: boolean[];
  hasAfterDelete: boolean;
  keysAfterDelete: string[];
  missing: ErrorReport | undefined;
  providerCalls: number;
}

type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorReport };

/** The functions on `window.app`. */
export interface App {
  crud(spec: StoreSpec): Promise<Result<CrudReport>>;
  set(spec: StoreSpec, key: string, value: unknown): Promise<Result<string>>;
  get(spec: StoreSpec, key: string, options?: { ignoreCache?: boolean }): Promise<Result<Described>>;
  /** Reads a presigned GET URL as a key of a store that has nothing to do with S3. */
  getUrl(url: string): Promise<Result<Described>>;
  /** PUTs text to a presigned PUT URL with plain fetch; resolves with the status. */
  putUrl(url: string, body: string): Promise<Result<number>>;
  /** Writes an Arrow table made in the page, and reads it back. */
  parquet(spec: StoreSpec, key: string): Promise<Result<{ stored: string; read: Described }>>;
  /** `n` small PUTs then `n` GETs one after another; milliseconds of each. */
  time(spec: StoreSpec, n: number): Promise<Result<{ put: number[]; get: number[] }>>;
  /**
   * Sets `mib` MiB of bytes under `key` with `onProgress` (one PUT when under the store's multipart
   * threshold), then reads them back; the events seen, with milliseconds since the call began.
   */
  progress(
    spec: StoreSpec,
    key: string,
    mib: number,
  ): Promise<
    Result<{ events: Array<{ loaded: number; total?: number; ms: number }>; size: number; same: boolean }>
  >;
  /** The calls each provider made so far. */
  providerCalls(): number;
}

declare global {
  interface Window {
    app: App;
    appReady: boolean;
  }
}

/** Puts the app on `window`. */
export function install(lib: typeof Browser, arrow: typeof Arrow): void {
  let providerCalls = 0;

  const open = (spec: StoreSpec) => {
    const init: Record<string, unknown> = { ...spec.init };
    const provider = spec.provider;
    if (provider) {
      init.credentials = async () => {
        providerCalls++;
        const keys = { accessKeyId: provider.accessKeyId, secretAccessKey: provider.secretAccessKey };
        return provider.expiresInSeconds === undefined
          ? keys
          : { ...keys, expiration: new Date(Date.now() + provider.expiresInSeconds * 1000) };
      };
    }
    return new lib.AutoStore(spec.root, init as ConstructorParameters<typeof lib.AutoStore>[1]);
  };

  const report = (err: unknown): ErrorReport => {
    const e = err as Partial<Browser.AutoStoreError> & Partial<Browser.CorsError>;
    const out: ErrorReport = {
      name: String(e?.name),
      message: String(e?.message),
      isAutoStoreError: lib.isAutoStoreError(err),
    };
    for (const field of ["code", "key", "uri", "status", "origin", "serverOrigin"] as const) {
      if (e?.[field] !== undefined) (out as unknown as Record<string, unknown>)[field] = e[field];
    }
    return out;
  };

  const attempt = async <T>(work: () => Promise<T>): Promise<Result<T>> => {
    try {
      return { ok: true, value: await work() };
    } catch (err) {
      return { ok: false, error: report(err) };
    }
  };

  const describe = (value: unknown): Described => {
    if (value instanceof arrow.Table) {
      const columns: Record<string, unknown[]> = {};
      for (const field of value.schema.fields) {
        const column = value.getChild(field.name);
        // Iterated, not `toArray()`: that returns the raw buffer, whose null slots hold any value.
        columns[field.name] = Array.from((column ?? []) as Iterable<unknown>, (v: unknown) =>
          typeof v === "bigint" ? String(v) : v,
        );
      }
      return {
        kind: "table",
        numRows: value.numRows,
        fields: value.schema.fields.map((f) => f.name),
        columns,
      };
    }
    if (value instanceof Uint8Array) return { kind: "bytes", data: Array.from(value) };
    const image = value as Partial<Browser.RasterImage>;
    if (typeof image?.width === "number" && image.data instanceof Uint8ClampedArray) {
      return { kind: "image", width: image.width, height: image.height ?? 0, data: Array.from(image.data) };
    }
    return { kind: "value", value };
  };

  const collect = async (keys: AsyncIterable<string>) => {
    const out: string[] = [];
    for await (const key of keys) out.push(key);
    return out.sort();
  };

  window.app = {
    crud: (spec) =>
      attempt(async () => {
        const store = open(spec);
        try {
          const written = [
            await store.set("greeting", { hello: "page", n: [1, 2, 3] }),
            await store.set("notes/tom & jerry.txt", "cat <and> mouse"),
            await store.set("deep/raw.bin", new Uint8Array([0, 1, 254, 255])),
          ];
          const values = [await store.get("greeting"), await store.get("notes/tom & jerry.txt")];
          const bytes = Array.from((await store.get("deep/raw.bin")) as Uint8Array);
          const hasBefore = [await store.has("greeting"), await store.has("nope")];
          const keys = await collect(store.keys());
          await store.delete("greeting");
          let missing: ErrorReport | undefined;
          try {
            await store.get("greeting");
          } catch (err) {
            missing = report(err);
          }
          return {
            written,
            values,
            bytes,
            keys,
            hasBefore,
            hasAfterDelete: await store.has("greeting"),
            keysAfterDelete: await collect(store.keys()),
            missing,
            providerCalls,
          };
        } finally {
          await store.close();
        }
      }),
    progress: (spec, key, mib) =>
      attempt(async () => {
        const store = open(spec);
        try {
          const bytes = new Uint8Array(mib * 1024 * 1024);
          for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i >> 12) & 255;
          const events: Array<{ loaded: number; total?: number; ms: number }> = [];
          const began = performance.now();
          await store.set(key, bytes, {
            onProgress: ({ loaded, total }) => events.push({ loaded, total, ms: performance.now() - began }),
          });
          const back = (await store.get(key)) as Uint8Array;
          let same = back.length === bytes.length;
          for (let i = 0; same && i < bytes.length; i += 4096) same = back[i] === bytes[i];
          return { events, size: back.length, same };
        } finally {
          await store.close();
        }
      }),
    set: (spec, key, value) =>
      attempt(async () => {
        const store = open(spec);
        try {
          return await store.set(key, value);
        } finally {
          await store.close();
        }
      }),
    get: (spec, key, options = {}) =>
      attempt(async () => {
        const store = open(spec);
        try {
          return describe(await store.get(key, options));
        } finally {
          await store.close();
        }
      }),
    getUrl: (url) =>
      attempt(async () => {
        const store = new lib.AutoStore("memory://presigned", { maxRetries: 0 });
        return describe(await store.get(url));
      }),
    putUrl: (url, body) => attempt(async () => (await fetch(url, { method: "PUT", body })).status),
    parquet: (spec, key) =>
      attempt(async () => {
        const store = open(spec);
        try {
          const table = arrow.tableFromArrays({
            id: Int32Array.from([1, 2, 3]),
            name: ["ada", "grace", "edsger"],
            score: Float64Array.from([0.5, 1.5, 2.25]),
          });
          const stored = await store.set(key, table);
          return { stored, read: describe(await store.get(key)) };
        } finally {
          await store.close();
        }
      }),
    time: (spec, n) =>
      attempt(async () => {
        const store = open(spec);
        const put: number[] = [];
        const get: number[] = [];
        try {
          for (let i = 0; i < n; i++) {
            const start = performance.now();
            await store.set(`bench/${i}.json`, { i });
            put.push(performance.now() - start);
          }
          for (let i = 0; i < n; i++) {
            const start = performance.now();
            await store.get(`bench/${i}.json`);
            get.push(performance.now() - start);
          }
          return { put, get };
        } finally {
          await store.close();
        }
      }),
    providerCalls: () => providerCalls,
  };
  window.appReady = true;
}
