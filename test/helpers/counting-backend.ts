/**
 * A decorator that counts the calls reaching a backend (and the bytes it returns), so tests can
 * assert how many requests an operation costs. It forwards every call unchanged.
 */
import type {
  Backend,
  CallOptions,
  CommonPrefix,
  ListedObject,
  ListOptions,
  ObjectMeta,
  ReadOptions,
  ReadResult,
  WriteOptions,
} from "../../src/core/index.js";

export interface CallCounts {
  read: number;
  conditionalRead: number;
  notModified: number;
  head: number;
  list: number;
  write: number;
  delete: number;
  copy: number;
  bytesRead: number;
}

const zero = (): CallCounts => ({
  read: 0,
  conditionalRead: 0,
  notModified: 0,
  head: 0,
  list: 0,
  write: 0,
  delete: 0,
  copy: 0,
  bytesRead: 0,
});

export class CountingBackend implements Backend {
  counts: CallCounts = zero();
  constructor(readonly inner: Backend) {}
  get scheme() {
    return this.inner.scheme;
  }
  get root() {
    return this.inner.root;
  }
  get capabilities() {
    return this.inner.capabilities;
  }
  reset(): void {
    this.counts = zero();
  }
  uri(key: string): string {
    return this.inner.uri(key);
  }
  async read(key: string, options?: ReadOptions): Promise<ReadResult> {
    this.counts.read++;
    if (options?.ifNoneMatch !== undefined) this.counts.conditionalRead++;
    const result = await this.inner.read(key, options);
    if (result.notModified) this.counts.notModified++;
    const bytes = result.bytes.bind(result);
    return {
      ...result,
      bytes: async () => {
        const data = await bytes();
        this.counts.bytesRead += data.length;
        return data;
      },
      stream: result.stream.bind(result),
    };
  }
  head(key: string, options?: CallOptions): Promise<ObjectMeta> {
    this.counts.head++;
    return this.inner.head(key, options);
  }
  list(prefix: string, options?: ListOptions): AsyncIterable<ListedObject | CommonPrefix> {
    this.counts.list++;
    return this.inner.list(prefix, options);
  }
  write(
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    options?: WriteOptions,
  ): Promise<ObjectMeta> {
    this.counts.write++;
    return this.inner.write(key, body, options);
  }
  delete(key: string, options?: CallOptions): Promise<void> {
    this.counts.delete++;
    return this.inner.delete(key, options);
  }
  copy(from: string, to: string, options?: CallOptions): Promise<ObjectMeta> {
    this.counts.copy++;
    return this.inner.copy(from, to, options);
  }
}
