/**
 * `npm run playground`: builds the playground and serves it on 127.0.0.1. `PORT` picks the port
 * (`0`: any free one; default 5173); the URL is printed on its own line.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildPlayground } from "./build.js";
import { serveStatic } from "./static-server.js";

const port = Number(process.env.PORT ?? 5173);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`PORT must be a port number (0 for any free port), not ${process.env.PORT}\n`);
  process.exit(1);
}
// A fresh folder per run, so a running dev server never fights `playground:build` over `dist`.
const outdir = await mkdtemp(join(tmpdir(), "autostore-playground-"));
await buildPlayground(outdir);
const server = await serveStatic(outdir, port);
process.stdout.write(`Playground: ${server.url}\n`);
const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
