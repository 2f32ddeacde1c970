/**
 * `.sparse.npz` interop with real SciPy, both ways: csr, csc and coo matrices of several dtypes,
 * saved compressed and not, including empty ones.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoStore, type SparseMatrix, type TypedArray } from "../../src/node/index.js";
import { runPythonJson } from "../helpers/python.js";
import { tempDir } from "../helpers/tmp.js";
import { base64, random } from "./util.js";

let dir: { path: string; remove: () => Promise<void> };
let store: AutoStore;

beforeAll(async () => {
  dir = await tempDir("autostore-sparse-");
  store = new AutoStore(dir.path);
});
afterAll(async () => {
  await store.close();
  await dir.remove();
});

interface ExpectedSparse {
  format: string;
  shape: [number, number];
  descr: string;
  data: string;
  indices?: number[];
  indptr?: number[];
  row?: number[];
  col?: number[];
}

const SCIPY_WRITES = `
import base64, json, os, sys
import numpy as np
import scipy.sparse as sp

out = sys.argv[1]
manifest = {}
for fmt in ("csr", "csc", "coo"):
    for dt in ("<f8", "<f4", "<i8", "|b1", "<c16", "<f2"):
        for compressed in (True, False):
            seed = len(manifest)
            m = sp.random(40, 25, density=0.15, format=fmt, random_state=seed, dtype=np.float64)
            m.data = (m.data * 100 - 50)
            if dt == "<c16": m.data = m.data + 1j * m.data[::-1]
            m = m.astype(dt)
            name = f"{fmt}-{dt[1:]}-{'z' if compressed else 's'}"
            sp.save_npz(os.path.join(out, name + ".sparse.npz"), m, compressed=compressed)
            e = {"format": fmt, "shape": list(m.shape), "descr": m.data.dtype.str,
                 "data": base64.b64encode(m.data.astype(m.data.dtype.newbyteorder("<")).tobytes()).decode()}
            if fmt == "coo":
                e["row"], e["col"] = m.row.tolist(), m.col.tolist()
            else:
                e["indices"], e["indptr"] = m.indices.tolist(), m.indptr.tolist()
            manifest[name] = e
sp.save_npz(os.path.join(out, "empty.sparse.npz"), sp.csr_matrix((0, 7)))
sp.save_npz(os.path.join(out, "allzero.sparse.npz"), sp.coo_matrix((3, 3), dtype=np.int32))
print(json.dumps(manifest))
`;

describe(".sparse.npz read: what scipy.sparse.save_npz writes", () => {
  let manifest: Record<string, ExpectedSparse>;
  beforeAll(async () => {
    manifest = await runPythonJson<Record<string, ExpectedSparse>>(SCIPY_WRITES, [dir.path]);
  });

  it("reads csr, csc and coo of every dtype, compressed or not", async () => {
    expect(Object.keys(manifest)).toHaveLength(36);
    for (const [name, e] of Object.entries(manifest)) {
      const m = await store.get<SparseMatrix>(name);
      expect(m.format, name).toBe(e.format);
      expect(m.shape, name).toEqual(e.shape);
      expect(m.dtype, name).toBe(e.descr);
      expect(base64(m.data), name).toBe(e.data);
      if (e.format === "coo") {
        expect(Array.from(m.row ?? []), name).toEqual(e.row);
        expect(Array.from(m.col ?? []), name).toEqual(e.col);
      } else {
        expect(Array.from(m.indices ?? []), name).toEqual(e.indices);
        expect(Array.from(m.indptr ?? []), name).toEqual(e.indptr);
      }
    }
  });

  it("reads empty matrices", async () => {
    const empty = await store.get<SparseMatrix>("empty");
    expect(empty).toMatchObject({ format: "csr", shape: [0, 7], dtype: "<f8" });
    expect(Array.from(empty.indptr ?? [])).toEqual([0]);
    const zero = await store.get<SparseMatrix>("allzero");
    expect(zero).toMatchObject({ format: "coo", shape: [3, 3], dtype: "<i4" });
    expect(zero.data.length).toBe(0);
  });

  it("keeps the compound extension apart from .npz", async () => {
    const files: string[] = [];
    for await (const file of store.listFiles("csr-f8-z*")) files.push(file);
    expect(files).toEqual(["csr-f8-z.sparse.npz"]);
    // Read as a plain .npz it is the arrays SciPy stored.
    const arrays = await store.get<Record<string, { dtype: string }>>("csr-f8-z.sparse.npz", {
      format: "npz",
    });
    expect(Object.keys(arrays).sort()).toEqual(["data", "format", "indices", "indptr", "shape"]);
    expect(arrays.format?.dtype).toBe("|S3");
  });
});

const SCIPY_READS = `
import base64, json, os, sys
import numpy as np
import scipy.sparse as sp

root, manifest = sys.argv[1], json.load(open(sys.argv[2]))
failures = []
for file, e in manifest.items():
    try:
        m = sp.load_npz(os.path.join(root, file))
        if m.format != "coo": m.check_format(full_check=True)
        # SciPy keeps float16 data but cannot densify it: compare as float32, which holds it exactly.
        wide = m.astype(np.float32) if m.dtype == np.float16 else m
        dense = np.zeros(e["shape"], dtype=wide.dtype)
        data = np.frombuffer(base64.b64decode(e["data"]), dtype=np.dtype(e["descr"]).newbyteorder("<"))
        if e["format"] == "coo":
            dense[e["row"], e["col"]] = data
        else:
            major = e["indptr"]
            for i in range(len(major) - 1):
                for k in range(major[i], major[i + 1]):
                    j = e["indices"][k]
                    if e["format"] == "csr": dense[i, j] = data[k]
                    else: dense[j, i] = data[k]
        problems = []
        if m.format != e["format"]: problems.append(f"format {m.format}")
        # SciPy converts big-endian data to native order when it builds the matrix.
        if m.dtype.str != e["descr"].replace(">", "<"): problems.append(f"dtype {m.dtype.str}")
        if list(m.shape) != e["shape"]: problems.append(f"shape {m.shape}")
        if not np.array_equal(wide.toarray(), dense): problems.append("values differ")
        if problems: failures.append({"file": file, "problems": problems})
    except Exception as err:
        failures.append({"file": file, "problems": [repr(err)]})
print(json.dumps({"checked": len(manifest), "failures": failures}))
`;

/** A random matrix in each format, with distinct values so that misplaced ones show. */
function matrix(format: SparseMatrix["format"], data: TypedArray, dtype: string, seed: number): SparseMatrix {
  const rows = 30;
  const cols = 20;
  const lanes = dtype.includes("c") ? 2 : 1;
  const nnz = data.length / lanes;
  const next = random(seed);
  // Distinct cells, sorted by the format's major axis.
  const cells = new Set<number>();
  while (cells.size < nnz) cells.add(Math.floor(next() * rows * cols));
  const sorted = [...cells].map((c) => [Math.floor(c / cols), c % cols] as [number, number]);
  const major = format === "csc" ? 1 : 0;
  const minor = format === "csc" ? 0 : 1;
  sorted.sort((a, b) => a[major] - b[major] || a[minor] - b[minor]);
  if (format === "coo") {
    return {
      format,
      shape: [rows, cols],
      data,
      dtype,
      row: Int32Array.from(sorted, (c) => c[0]),
      col: Int32Array.from(sorted, (c) => c[1]),
    };
  }
  const size = format === "csr" ? rows : cols;
  const indptr = new Int32Array(size + 1);
  for (const cell of sorted) indptr[cell[major] + 1] = (indptr[cell[major] + 1] as number) + 1;
  for (let i = 0; i < size; i++) indptr[i + 1] = (indptr[i + 1] as number) + (indptr[i] as number);
  return {
    format,
    shape: [rows, cols],
    data,
    dtype,
    indptr,
    indices: Int32Array.from(sorted, (c) => c[minor]),
  };
}

describe(".sparse.npz write: what scipy.sparse.load_npz reads", () => {
  it("writes csr, csc and coo of every dtype so SciPy reads the same matrix", async () => {
    const manifest: Record<string, ExpectedSparse> = {};
    const datas: Array<[string, TypedArray]> = [
      ["<f8", Float64Array.from({ length: 50 }, (_, i) => i * 1.5 - 20)],
      ["<f4", Float32Array.from({ length: 50 }, (_, i) => i / 7)],
      ["<i8", BigInt64Array.from({ length: 50 }, (_, i) => BigInt(i) * 10n ** 15n - 3n)],
      ["<i4", Int32Array.from({ length: 50 }, (_, i) => -i)],
      ["|u1", Uint8Array.from({ length: 50 }, (_, i) => i + 1)],
      ["|b1", Uint8Array.from({ length: 50 }, (_, i) => i % 2)],
      ["<c16", Float64Array.from({ length: 100 }, (_, i) => i - 50)],
      ["<c8", Float32Array.from({ length: 100 }, (_, i) => i / 3)],
      [">f8", Float64Array.from({ length: 50 }, (_, i) => i + 0.25)],
      ["<f2", Uint16Array.from({ length: 50 }, (_, i) => 0x3c00 + i)],
    ];
    let seed = 1;
    for (const format of ["csr", "csc", "coo"] as const) {
      for (const [dtype, data] of datas) {
        const m = matrix(format, data, dtype, seed++);
        const order = dtype.startsWith(">") ? "-be" : "";
        const file = await store.set(`out/${format}-${dtype.slice(1)}${order}`, m);
        expect(file).toMatch(/\.sparse\.npz$/);
        const e: ExpectedSparse = { format, shape: m.shape, descr: dtype, data: base64(data) };
        if (m.row) Object.assign(e, { row: Array.from(m.row), col: Array.from(m.col ?? []) });
        else Object.assign(e, { indices: Array.from(m.indices ?? []), indptr: Array.from(m.indptr ?? []) });
        manifest[file] = e;
      }
    }
    // A matrix without a dtype takes its data's; an empty one still has its shape.
    const plain: SparseMatrix = {
      format: "csr",
      shape: [2, 2],
      data: new Float32Array([5]),
      indices: new Int32Array([1]),
      indptr: new Int32Array([0, 1, 1]),
    };
    manifest[await store.set("plain", plain)] = {
      format: "csr",
      shape: [2, 2],
      descr: "<f4",
      data: base64(plain.data),
      indices: [1],
      indptr: [0, 1, 1],
    };
    const empty: SparseMatrix = {
      format: "coo",
      shape: [4, 0],
      data: new Float64Array(0),
      row: new Int32Array(0),
      col: new Int32Array(0),
    };
    manifest[await store.set("empty-out", empty)] = {
      format: "coo",
      shape: [4, 0],
      descr: "<f8",
      data: "",
      row: [],
      col: [],
    };

    const manifestPath = join(dir.path, "sparse-manifest.json");
    await writeFile(manifestPath, JSON.stringify(manifest));
    const result = await runPythonJson<{ checked: number; failures: unknown[] }>(SCIPY_READS, [
      dir.path,
      manifestPath,
    ]);
    expect(result.failures).toEqual([]);
    expect(result.checked).toBe(32);
  });

  it("refuses a malformed matrix before writing", async () => {
    const bad: SparseMatrix = {
      format: "csr",
      shape: [2, 2],
      data: new Float64Array([1, 2]),
      indices: new Int32Array([0, 5]),
      indptr: new Int32Array([0, 1, 2]),
    };
    await expect(store.set("bad.sparse.npz", bad)).rejects.toMatchObject({ code: "UNSUPPORTED_FORMAT" });
    await expect(store.has("bad.sparse.npz")).resolves.toBe(false);
  });
});
