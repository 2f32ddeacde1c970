/**
 * `npm run demo`: autostore-js on the embedded default, local disk in ./data, with no configuration.
 * Writes values of different kinds, reads them back, lists keys and metadata, and says what it did.
 */
import { AutoStore, isAutoStoreError } from "../src/node/index.js";

const root = process.argv[2] ?? "./data";
await using store = new AutoStore(root);
const say = (line: string) => console.log(line);

say(`autostore-js demo: a store on local disk at ${root}\n`);

// Writing: each value picks its format, and the key gets the format's extension.
const written = [
  await store.set("config", { model: "transformer", layers: 12, dropout: 0.1 }),
  await store.set("logs", [
    { event: "start", at: "2024-01-15T09:00:00Z" },
    { event: "epoch", at: "2024-01-15T09:05:00Z", loss: 0.42 },
  ]),
  await store.set("notes/readme", "Runs are kept under experiments/."),
  await store.set("settings.yaml", { retries: 3, region: "eu-west-1" }),
  await store.set(
    "experiments/run-001/metrics",
    new Map([
      ["accuracy", 0.95],
      ["epochs", 100],
    ]),
  ),
  await store.set("blobs/header", new Uint8Array([0x89, 0x50, 0x4e, 0x47])),
];
say(`wrote ${written.length} values:   ${written.join(", ")}`);

// Reading: bare keys find their file, whatever its format.
const config = await store.get<{ model: string; layers: number }>("config");
const logs = await store.get<Array<{ event: string }>>("logs");
const metrics = await store.get<Map<string, number>>("experiments/run-001/metrics");
say(`read config:       model=${config.model}, layers=${config.layers}`);
say(`read logs:         ${logs.length} entries (${logs.map((l) => l.event).join(", ")})`);
say(`read metrics:      a ${metrics.constructor.name} with accuracy=${metrics.get("accuracy")}`);

// Listing, metadata, copy and delete.
const keys: string[] = [];
for await (const key of store.keys()) keys.push(key);
say(`keys:              ${keys.join(", ")}`);
const meta = await store.getMetadata("config");
say(
  `metadata(config):  ${meta.key}, ${meta.size} bytes, ${meta.contentType}, modified ${meta.modifiedTime.toISOString()}`,
);
say(`copied config to:  ${await store.copy("config", "backups/config")}`);
await store.delete("backups/config");
say(`deleted backup:    has("backups/config") = ${await store.has("backups/config")}`);

// Errors are typed and say what went wrong.
try {
  await store.get("does/not/exist");
} catch (err) {
  if (isAutoStoreError(err, "KEY_NOT_FOUND")) say(`missing key:       ${err.code}: ${err.message}`);
}
say(`\ndone: look in ${root}/ for the files.`);
