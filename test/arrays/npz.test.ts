/**
 * `.npz` interop with real NumPy, both ways: `numpy.savez` (stored) and `numpy.savez_compressed`
 * (deflated, Zip64 headers) archives of mixed arrays.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NpzHandler } from "../../src/core/handlers/npz.js";
import { AutoStore, type NdArray, ndarray, type TypedArray } from "../../src/node/index.js";
import { runPythonJson } from "../helpers/python.js";
import { tempDir } from "../helpers/tmp.js";
import { base64, type Expected, expectSameData, makeData, NUMERIC_DTYPES } from "./util.js";

let dir: { path: string; remove: () => Promise<void> };
let store: AutoStore;

beforeAll(async () => {
  dir = await tempDir("autostore-npz-");
  store = new AutoStore(dir.path);
});
afterAll(async () => {
  await store.close();
  await dir.remove();
});

const NUMPY_WRITES = String.raw`
import base64, json, os, sys, zipfile
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(3)
arrays = {
    "matrix": rng.standard_normal((30, 20)),
    "ints": np.arange(-5, 5, dtype="<i8"),
    "flags": rng.integers(0, 2, (4, 5)).astype(bool),
    "waves": np.asfortranarray((rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))).astype("<c16")),
    "big_endian": np.arange(6, dtype=">f4").reshape(2, 3),
    "half": np.linspace(-2, 2, 9).astype("<f2"),
    "empty": np.zeros((0, 3), dtype="<u2"),
    "scalar": np.array(42, dtype="<u8"),
    "names": np.array(["alpha", "b\u00e9ta"]),
    # Large enough to take many inflate slices: a compressible ramp and incompressible noise.
    "ramp": np.arange(400_000, dtype="<i4"),
    "noise": rng.integers(0, 2**31, 100_000, dtype="<i4"),
}
manifest = {}
for name, a in arrays.items():
    isf = a.ndim > 1 and a.flags.f_contiguous and not a.flags.c_contiguous
    flat = a.astype(a.dtype.newbyteorder("<"))
    e = {"key": name, "descr": a.dtype.str, "shape": list(a.shape), "fortran": bool(isf)}
    if a.dtype.kind == "b":
        e["bools"] = flat.ravel(order="F" if isf else "C").tolist()
    else:
        e["b64"] = base64.b64encode(flat.tobytes(order="F" if isf else "C")).decode()
    manifest[name] = e
np.savez(os.path.join(out, "stored.npz"), **arrays)
np.savez_compressed(os.path.join(out, "deflated.npz"), **arrays)
methods = {f: sorted({i.compress_type for i in zipfile.ZipFile(os.path.join(out, f)).infolist()})
           for f in ("stored.npz", "deflated.npz")}
print(json.dumps({"manifest": manifest, "methods": methods}))
`;

describe(".npz read: what NumPy writes", () => {
  let manifest: Record<string, Expected>;
  beforeAll(async () => {
    const result = await runPythonJson<{
      manifest: Record<string, Expected>;
      methods: Record<string, number[]>;
    }>(NUMPY_WRITES, [dir.path]);
    manifest = result.manifest;
    // 0: stored, 8: deflated: both kinds of archive are really under test.
    expect(result.methods).toEqual({ "stored.npz": [0], "deflated.npz": [8] });
  });

  for (const key of ["stored", "deflated"]) {
    it(`reads numpy.${key === "stored" ? "savez" : "savez_compressed"} archives exactly`, async () => {
      const arrays = await store.get<Record<string, NdArray>>(key);
      expect(Object.keys(arrays).sort()).toEqual(Object.keys(manifest).sort());
      for (const [name, expected] of Object.entries(manifest)) {
        const array = arrays[name] as NdArray;
        expect(array.dtype, name).toBe(expected.descr.replace(">", "<"));
        expect(array.shape, name).toEqual(expected.shape);
        expect(array.fortranOrder === true, name).toBe(expected.fortran);
        expectSameData(array.data, expected, name);
      }
    });
  }
});

const NUMPY_READS = `
import base64, json, sys, zipfile
import numpy as np

path, manifest = sys.argv[1], json.load(open(sys.argv[2]))
failures = []
with np.load(path, allow_pickle=False) as z:
    if sorted(z.files) != sorted(manifest): failures.append(f"names {sorted(z.files)}")
    for name, e in manifest.items():
        a = z[name]
        order = "F" if e["fortran"] else "C"
        flat = a.astype(a.dtype.newbyteorder("<"))
        ok = (a.dtype.str == e["descr"] and list(a.shape) == e["shape"]
              and (not e["fortran"] or a.flags.f_contiguous)
              and (flat.ravel(order=order).tolist() == e["bools"] if "bools" in e
                   else flat.tobytes(order=order) == base64.b64decode(e["b64"])))
        if not ok: failures.append(f"{name}: {a.dtype.str} {a.shape}")
methods = sorted({i.compress_type for i in zipfile.ZipFile(path).infolist()})
print(json.dumps({"failures": failures, "methods": methods}))
`;

describe(".npz write: what NumPy reads", () => {
  const arrays: Record<string, NdArray> = {};
  const manifest: Record<string, Expected> = {};
  beforeAll(() => {
    for (const [i, descr] of NUMERIC_DTYPES.entries()) {
      const name = `a${descr.replace(/[<>|]/g, "")}`;
      const dtype = i % 2 === 0 || descr.startsWith("|") ? descr : `>${descr.slice(1)}`;
      const fortranOrder = i % 3 === 0;
      const array: NdArray = { data: makeData(descr, 12, i + 1), shape: [3, 4], dtype };
      if (fortranOrder) array.fortranOrder = true;
      arrays[name] = array;
      const e: Expected = { key: name, descr: dtype, shape: [3, 4], fortran: fortranOrder };
      if (Array.isArray(array.data)) e.bools = array.data;
      else e.b64 = base64(array.data as TypedArray);
      manifest[name] = e;
    }
    arrays["nested/name with spaces"] = ndarray(new Float64Array([1, 2]));
    manifest["nested/name with spaces"] = {
      key: "x",
      descr: "<f8",
      shape: [2],
      fortran: false,
      b64: base64(new Float64Array([1, 2])),
    };
  });

  async function numpyReads(file: string) {
    const manifestPath = join(dir.path, `${file}.json`);
    await writeFile(manifestPath, JSON.stringify(manifest));
    return runPythonJson<{ failures: string[]; methods: number[] }>(NUMPY_READS, [
      join(dir.path, file),
      manifestPath,
    ]);
  }

  it("writes a record of arrays to a bare key as a stored .npz NumPy reads", async () => {
    expect(await store.set("ours", arrays)).toBe("ours.npz");
    const result = await numpyReads("ours.npz");
    expect(result).toEqual({ failures: [], methods: [0] });
  });

  it("writes deflated archives when asked (numpy.savez_compressed's layout)", async () => {
    const compressing = new AutoStore(dir.path);
    compressing.registerHandler(new NpzHandler({ compress: true }));
    expect(await compressing.set("packed.npz", arrays)).toBe("packed.npz");
    const result = await numpyReads("packed.npz");
    expect(result).toEqual({ failures: [], methods: [8] });
    const back = await compressing.get<Record<string, NdArray>>("packed");
    expect(back["nested/name with spaces"]).toEqual(ndarray(new Float64Array([1, 2])));
    await compressing.close();
  });

  it("reads its own archives back to equal arrays", async () => {
    const back = await store.get<Record<string, NdArray>>("ours");
    for (const [name, array] of Object.entries(arrays)) {
      const e = manifest[name] as Expected;
      expect(back[name]?.shape, name).toEqual(array.shape);
      expectSameData((back[name] as NdArray).data, e, name);
    }
  });

  it("leaves records that are not all arrays to other formats", async () => {
    expect(await store.set("mixed", { a: ndarray(new Float32Array(2)), note: "x" })).toBe("mixed.cbor");
    expect(await store.set("plain", { a: 1 })).toBe("plain.json");
  });
});
