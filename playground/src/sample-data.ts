/**
 * One click fills the current backend with a small demo set, generated in the page with the library:
 * JSON, JSONL, YAML, Markdown, a Parquet table (and the same as CSV), a hive-partitioned dataset, a
 * PNG, `.npy` and `.npz` arrays, raw bytes, and a pickle (to show a refused format).
 */

import { tableFromArrays } from "apache-arrow";
import { type AutoStore, ndarray, type RasterImage } from "autostore-js";

/** The keys written, in order; the code snippet beside the button lists the same calls. */
export const SAMPLE_CODE = `import { AutoStore, ndarray } from "autostore-js";
import { tableFromArrays } from "apache-arrow";

await store.set("hello", { greeting: "hello", tags: ["demo"] });        // hello.json
await store.set("config.yaml", { model: { layers: 4 }, lr: 0.001 });   // YAML
await store.set("tables/cities", tableFromArrays({ city, population })); // .parquet
await store.set("weather/year=2024/month=01/part-0.parquet", table);   // a hive dataset
await store.set("images/gradient", { width, height, data });           // .png
await store.set("arrays/measurements", ndarray(values, [100, 10]));    // .npy`;

// A small deterministic generator, so every run shows the same numbers.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function normals(n: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const t = 2 * Math.PI * rand();
    out[i] = 20 + 5 * r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = 20 + 5 * r * Math.sin(t);
  }
  return out;
}

function gradient(width: number, height: number): RasterImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = Math.round((x / (width - 1)) * 255);
      data[i + 1] = Math.round((y / (height - 1)) * 255);
      data[i + 2] = 160;
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

const CITIES = [
  "Lisbon",
  "Oslo",
  "Nairobi",
  "Lima",
  "Osaka",
  "Perth",
  "Quebec",
  "Tunis",
  "Hanoi",
  "Bergen",
  "Cusco",
  "Kyoto",
];

/** Writes the demo set; `onStep` hears each stored key. Returns the keys. */
export async function loadSampleData(
  store: AutoStore,
  onStep: (key: string) => void = () => {},
): Promise<string[]> {
  const rand = random(42);
  const written: string[] = [];
  const put = async (key: string, value: unknown) => {
    const stored = await store.set(key, value);
    written.push(stored);
    onStep(stored);
  };
  await put("hello", {
    greeting: "hello",
    from: "autostore-js",
    tags: ["demo", "json"],
    nested: { n: 1, ok: true },
  });
  await put(
    "events.jsonl",
    Array.from({ length: 5 }, (_, i) => ({
      id: i + 1,
      type: i % 2 ? "click" : "view",
      at: `2024-05-0${i + 1}T10:00:00Z`,
    })),
  );
  await put("config.yaml", {
    model: { name: "tiny", layers: 4, dropout: 0.1 },
    train: { lr: 0.001, epochs: 10 },
  });
  await put("notes.md", "# Notes\n\nThis store was filled by the **autostore-js playground**.\n");
  const cities = tableFromArrays({
    city: CITIES,
    population: Int32Array.from(CITIES, () => Math.round(100_000 + rand() * 3_000_000)),
    temperature: Float64Array.from(CITIES, () => Math.round((rand() * 35 - 5) * 10) / 10),
  });
  await put("tables/cities.parquet", cities);
  await put("tables/cities.csv", cities);
  for (const [year, month] of [
    ["2024", "01"],
    ["2024", "02"],
    ["2025", "01"],
  ] as const) {
    const n = 8;
    const part = tableFromArrays({
      day: Int32Array.from({ length: n }, (_, i) => i + 1),
      temp: Float64Array.from({ length: n }, () => Math.round((rand() * 20 - 2) * 10) / 10),
    });
    await put(`weather/year=${year}/month=${month}/part-0.parquet`, part);
  }
  await put("images/gradient.png", gradient(64, 48));
  await put("arrays/measurements.npy", ndarray(normals(1000, rand), [100, 10]));
  await put("arrays/pair.npz", {
    weights: ndarray(normals(64, rand), [8, 8]),
    counts: ndarray(
      Int32Array.from({ length: 16 }, (_, i) => i * i),
      [16],
    ),
  });
  await put(
    "misc/blob.bin",
    Uint8Array.from({ length: 96 }, (_, i) => (i * 37) & 0xff),
  );
  // Pickle bytes (protocol 4, an empty dict): the library refuses to load them and says why.
  await store.path("legacy/model.pkl").writeBytes(Uint8Array.from([0x80, 0x04, 0x7d, 0x94, 0x2e]));
  written.push("legacy/model.pkl");
  onStep("legacy/model.pkl");
  return written;
}
