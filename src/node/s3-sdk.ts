/**
 * The AWS SDK request path on Node, with a single PUT's progress: the SDK's Node handler writes a
 * byte body in one call and says nothing until the answer, but it pipes a `Readable`, so the body
 * goes as 1 MiB views of the same bytes (no copy), each reported once the connection has taken the
 * one before (`pipe` waits for the request to drain).
 */
import { Readable } from "node:stream";
import { progressViews } from "../core/transfer.js";
import { SdkTransport } from "../s3/sdk-transport.js";

/** {@link SdkTransport} whose single PUTs report progress; see the module comment. */
export class NodeSdkTransport extends SdkTransport {
  protected override progressBody(bytes: Uint8Array, report: (loaded: number) => void): Readable {
    const views = progressViews(bytes, report);
    return new Readable({
      highWaterMark: 0,
      read() {
        const next = views.next();
        this.push(next.done ? null : next.value);
      },
    });
  }
}
