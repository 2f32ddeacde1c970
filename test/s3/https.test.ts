/**
 * S3 and HTTP stores over real TLS: a TLS server with a certificate made by `openssl` for 127.0.0.1,
 * passing each connection on to the local S3 server. Trusted through `NODE_EXTRA_CA_CERTS` (how Node
 * trusts a private CA, such as a MinIO with its own certificate), both S3 request paths read and write
 * on keep-alive connections; untrusted, or pointed at a plain-HTTP port, every store fails at once,
 * with the TLS code in the error's cause and no retries.
 */
import { execFile, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { connect, createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { join } from "node:path";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoStore, BackendError, S3Options } from "../../src/node/index.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";
import { tempDir } from "../helpers/tmp.js";

const BUCKET = "tls";

/** A server that passes every connection on to `port` on 127.0.0.1, counting connections. */
interface Relay {
  port: number;
  connections: number;
  close(): Promise<void>;
}

function relayTo<S extends TcpServer | TlsServer>(server: S, port: number, event: string): Promise<Relay> {
  const relay: Relay = { port: 0, connections: 0, close: () => new Promise((r) => server.close(() => r())) };
  // Every TCP connection counts, also one whose TLS handshake the client then refuses.
  server.on("connection", () => relay.connections++);
  server.on(event, (client: NodeJS.ReadWriteStream & { destroy(): void }) => {
    const upstream = connect(port, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      relay.port = (server.address() as { port: number }).port;
      resolve(relay);
    }),
  );
}

let s3: S3Server;
let tls: Relay;
let plain: Relay;
let folder: { path: string; remove: () => Promise<void> };
let caFile = "";

beforeAll(async () => {
  s3 = await startS3Server({ buckets: [BUCKET], cors: false });
  folder = await tempDir("autostore-tls-");
  caFile = join(folder.path, "cert.pem");
  const keyFile = join(folder.path, "key.pem");
  await promisify(execFile)("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    caFile,
    "-days",
    "2",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ]);
  const [key, cert] = await Promise.all([readFile(keyFile), readFile(caFile)]);
  tls = await relayTo(createTlsServer({ key, cert }), s3.port, "secureConnection");
  plain = await relayTo(createTcpServer(), s3.port, "connection");
});
afterAll(async () => {
  await tls?.close();
  await plain?.close();
  await s3?.stop();
  await folder?.remove();
});

describe.each(["fetch", "sdk"] as const)("S3 over HTTPS on the %s request path", (transport) => {
  it("reads and writes with the CA trusted through NODE_EXTRA_CA_CERTS, on kept-alive connections", async () => {
    const before = tls.connections;
    const options = s3.options({ endpoint: `https://127.0.0.1:${tls.port}`, transport });
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(import.meta.dirname, "../fixtures/s3-https-job.ts"),
        JSON.stringify(options),
        BUCKET,
        `job-${transport}`,
      ],
      { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile } },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    const result = JSON.parse(out) as Record<string, unknown>;
    expect(result.small).toEqual({ a: 1, text: "über" });
    expect(result.bigRead).toBe(result.bigWritten);
    expect(result.keys).toEqual(["big", "small"]);
    expect(result.reads).toBe(20);
    expect(result.left).toBe(false);
    // About 30 requests (3 of them parts in flight together) over a handful of TLS connections.
    const used = tls.connections - before;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(8);
  }, 60_000);

  it("fails at once on an untrusted certificate: one connection, the TLS code in the cause", async () => {
    const store = new AutoStore(`s3://${BUCKET}/untrusted/`, {
      options: new S3Options(s3.options({ endpoint: `https://127.0.0.1:${tls.port}`, transport })),
    });
    const before = tls.connections;
    const err = await store.set("a.json", { a: 1 }).catch((e: unknown) => e);
    await store.close();
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toContain(`s3://${BUCKET}/untrusted/a.json`);
    expect(((err as Error).cause as { code?: string }).code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
    expect(tls.connections - before).toBe(1);
  });

  it("fails at once on a plain-HTTP port: one connection", async () => {
    const store = new AutoStore(`s3://${BUCKET}/plain/`, {
      options: new S3Options(s3.options({ endpoint: `https://127.0.0.1:${plain.port}`, transport })),
    });
    const before = plain.connections;
    const err = await store.get("a.json").catch((e: unknown) => e);
    await store.close();
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toContain(`s3://${BUCKET}/plain/a.json`);
    expect(plain.connections - before).toBe(1);
  });
});

describe("HTTP store over HTTPS", () => {
  it("fails at once on an untrusted certificate and on a plain-HTTP port: one connection each", async () => {
    for (const relay of [tls, plain]) {
      const store = new AutoStore(`https://127.0.0.1:${relay.port}/${BUCKET}/`);
      const before = relay.connections;
      const err = await store.get("a.json").catch((e: unknown) => e);
      await store.close();
      expect(err).toBeInstanceOf(BackendError);
      expect((err as Error).message).toContain(`https://127.0.0.1:${relay.port}/${BUCKET}/a.json`);
      expect(relay.connections - before).toBe(1);
    }
  });
});
