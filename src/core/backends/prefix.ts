/**
 * A backend seen from a folder inside it: every key is the inner backend's key under `prefix`. This is
 * how `memory://space/logs` names the folder `logs/` of the space `space`, the very objects that the
 * key `memory://space/logs/a.json` names (one URI, one object).
 */
import type {
  Backend,
  CallOptions,
  Capabilities,
  CommonPrefix,
  DeleteOptions,
  ListedObject,
  ListOptions,
  ObjectMeta,
  ReadOptions,
  ReadResult,
  WriteOptions,
} from "../backend.js";

/** Wraps `inner` so that key `k` means `prefix + k` there; `prefix` ends with `/`. */
export class PrefixedBackend implements Backend {
  readonly scheme: string;
  readonly root: string;
  readonly capabilities: Capabilities;
  readonly #inner: Backend;
  readonly #prefix: string;

  constructor(inner: Backend, prefix: string) {
    this.#inner = inner;
    this.#prefix = prefix.endsWith("/") ? prefix : `${prefix}/`;
    this.scheme = inner.scheme;
    this.root = inner.uri(this.#prefix);
    this.capabilities = inner.capabilities;
  }

  #out<T extends { key: string }>(meta: T): T {
    return { ...meta, key: meta.key.slice(this.#prefix.length) };
  }

  async read(key: string, options?: ReadOptions): Promise<ReadResult> {
    const result = await this.#inner.read(this.#prefix + key, options);
    const out: ReadResult = {
      meta: this.#out(result.meta),
      notModified: result.notModified,
      bytes: () => result.bytes(),
      stream: () => result.stream(),
    };
    if (result.range) out.range = result.range;
    return out;
  }

  async write(
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    options?: WriteOptions,
  ): Promise<ObjectMeta> {
    return this.#out(await this.#inner.write(this.#prefix + key, body, options));
  }

  async head(key: string, options?: CallOptions): Promise<ObjectMeta> {
    return this.#out(await this.#inner.head(this.#prefix + key, options));
  }

  async *list(prefix: string, options?: ListOptions): AsyncIterable<ListedObject | CommonPrefix> {
    for await (const entry of this.#inner.list(this.#prefix + prefix, options)) {
      yield "prefix" in entry ? { prefix: entry.prefix.slice(this.#prefix.length) } : this.#out(entry);
    }
  }

  delete(key: string, options?: DeleteOptions): Promise<void> {
    return this.#inner.delete(this.#prefix + key, options);
  }

  async copy(from: string, to: string, options?: CallOptions): Promise<ObjectMeta> {
    return this.#out(await this.#inner.copy(this.#prefix + from, this.#prefix + to, options));
  }

  uri(key: string): string {
    return this.#inner.uri(this.#prefix + key);
  }

  /** The inner backend's: a folder of it reaches the same objects. */
  async cacheIdentity(): Promise<string> {
    return (await this.#inner.cacheIdentity?.()) ?? "";
  }

  async close(): Promise<void> {
    await this.#inner.close?.();
  }
}
