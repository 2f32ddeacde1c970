/**
 * `.npy` interop with real NumPy, both ways: every dtype NumPy writes for numbers, bools, times and
 * fixed-width strings, both byte orders, C and Fortran order, header versions 1.0-3.0.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AutoStore,
  bfloat16ToFloat32,
  float16ToFloat32,
  float32ToBfloat16,
  float32ToFloat16,
  type NdArray,
  ndarray,
  type TypedArray,
} from "../../src/node/index.js";
import { runPythonJson } from "../helpers/python.js";
import { tempDir } from "../helpers/tmp.js";
import { base64, type Expected, expectSameData, makeData, NUMERIC_DTYPES } from "./util.js";

let dir: { path: string; remove: () => Promise<void> };
let store: AutoStore;

beforeAll(async () => {
  dir = await tempDir("autostore-npy-");
  store = new AutoStore(dir.path);
});
afterAll(async () => {
  await store.close();
  await dir.remove();
});

const NUMPY_WRITES = String.raw`
import base64, json, os, sys
import numpy as np
from numpy.lib import format as F

out = sys.argv[1]
rng = np.random.default_rng(7)
manifest = []

def sample(dt, shape):
    dt = np.dtype(dt)
    n = int(np.prod(shape))
    k = dt.kind
    if k in "iu":
        info = np.iinfo(dt)
        v = rng.integers(info.min, info.max, size=n, dtype=dt.newbyteorder("="), endpoint=True)
        v[: min(n, 2)] = [info.min, info.max][: min(n, 2)]
    elif k == "f":
        v = (rng.standard_normal(n) * 1000).astype(dt)
        special = np.array([np.nan, np.inf, -np.inf, -0.0, np.finfo(dt).tiny / 4, np.finfo(dt).max], dtype=dt)
        v[: min(n, 6)] = special[: min(n, 6)]
    elif k == "c":
        v = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dt)
        if n: v[0] = complex(np.inf, -0.0)
    elif k == "b":
        v = rng.integers(0, 2, n).astype(bool)
    elif k in "Mm":
        v = rng.integers(-(2**62), 2**62, n).astype(dt)
        if n: v[0] = np.array("NaT", dtype=dt)
    elif k == "S":
        v = np.array([b"", b"ab", b"hello", b"x\x00y"] * n, dtype=dt)[:n]
    elif k == "U":
        v = np.array(["", "a", "\u00e9t\u00e9", "\U0001d11ex"] * n, dtype=dt)[:n]
    return v.astype(dt).reshape(shape)

def save(name, a, version=None, fortran=False):
    if fortran:
        a = np.asfortranarray(a)
    path = os.path.join(out, name + ".npy")
    with open(path, "wb") as f:
        if version is None:
            np.save(f, a, allow_pickle=False)
        else:
            F.write_array(f, a, version=version, allow_pickle=False)
    isf = a.flags.f_contiguous and not a.flags.c_contiguous
    entry = {"key": name, "descr": a.dtype.str, "shape": list(a.shape), "fortran": bool(isf)}
    flat = a.astype(a.dtype.newbyteorder("<"))
    if a.dtype.kind == "b":
        entry["bools"] = flat.ravel(order="F" if isf else "C").tolist()
    else:
        entry["b64"] = base64.b64encode(flat.tobytes(order="F" if isf else "C")).decode()
    manifest.append(entry)

dtypes = ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16", "b1",
          "M8[ns]", "m8[s]", "S5", "U4"]
for dt in dtypes:
    orders = ["<", ">"] if np.dtype(dt).itemsize > 1 and dt[0] != "S" else ["|"]
    for bo in orders:
        d = np.dtype(dt) if bo == "|" else np.dtype(bo + dt)
        tag = {"<": "le", ">": "be", "|": "na"}[bo]
        for fortran in (False, True):
            save(f"{dt.replace('[', '_').replace(']', '')}-{tag}-{'F' if fortran else 'C'}", sample(d, (2, 3, 4)), fortran=fortran)

for version in [(1, 0), (2, 0), (3, 0)]:
    for dt in ["<f8", ">i4", "|b1", "<c16"]:
        save(f"v{version[0]}-{dt[1:]}", sample(dt, (3, 5)), version=version, fortran=(dt == ">i4"))

for shape in [(), (0,), (7,), (0, 3), (5, 1), (1, 1, 1, 2)]:
    for dt in ["<f8", "|b1", ">c8"]:
        save(f"shape{'x'.join(map(str, shape)) or 'scalar'}-{dt[1:]}", sample(dt, shape))

# A non-contiguous view: NumPy writes it in C order.
save("strided", np.arange(24, dtype="<i4").reshape(4, 6)[:, ::2])
print(json.dumps(manifest))
`;

describe(".npy read: what NumPy writes", () => {
  let manifest: Expected[];
  beforeAll(async () => {
    manifest = await runPythonJson<Expected[]>(NUMPY_WRITES, [dir.path]);
  });

  it("reads every dtype, byte order, memory order, version and shape exactly", async () => {
    expect(manifest.length).toBeGreaterThan(70);
    for (const expected of manifest) {
      const array = await store.get<NdArray>(`${expected.key}.npy`);
      const label = expected.key;
      expect(array.dtype, label).toBe(expected.descr.replace(">", "<"));
      expect(array.shape, label).toEqual(expected.shape);
      expect(array.fortranOrder === true, label).toBe(expected.fortran);
      expectSameData(array.data, expected, label);
    }
  });

  it("holds each dtype in its documented container", async () => {
    const kinds: Record<string, string> = {
      "i8-le-C": "BigInt64Array",
      "u8-be-C": "BigUint64Array",
      "f2-le-C": "Uint16Array",
      "c16-be-F": "Float64Array",
      "c8-le-C": "Float32Array",
      "M8_ns-be-C": "BigInt64Array",
      "S5-na-C": "Uint8Array",
      "U4-be-C": "Uint32Array",
    };
    for (const [key, name] of Object.entries(kinds)) {
      const array = await store.get<NdArray>(`${key}.npy`);
      expect((array.data as TypedArray).constructor.name, key).toBe(name);
    }
    const bools = await store.get<NdArray>("b1-na-C.npy");
    expect(Array.isArray(bools.data) && bools.data.every((b) => typeof b === "boolean")).toBe(true);
    const complex = await store.get<NdArray>("c16-le-C.npy");
    expect(complex.data.length).toBe(2 * 24);
    expect([complex.data[0], Object.is(complex.data[1], -0)]).toEqual([Number.POSITIVE_INFINITY, true]);
  });

  it("reads by bare key", async () => {
    const array = await store.get<NdArray>("strided");
    expect(Array.from(array.data as Int32Array)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]);
    expect(array.shape).toEqual([4, 3]);
  });
});

const NUMPY_READS = `
import base64, json, os, sys
import numpy as np

root, manifest = sys.argv[1], json.load(open(sys.argv[2]))
failures = []
for e in manifest:
    try:
        a = np.load(os.path.join(root, e["file"]), allow_pickle=False)
        problems = []
        if a.dtype.str != e["descr"]: problems.append(f"dtype {a.dtype.str} != {e['descr']}")
        if list(a.shape) != e["shape"]: problems.append(f"shape {a.shape} != {e['shape']}")
        order = "F" if e["fortran"] else "C"
        if e["fortran"] and a.ndim > 1 and not a.flags.f_contiguous: problems.append("not Fortran-ordered")
        flat = a.astype(a.dtype.newbyteorder("<"))
        if "bools" in e:
            if flat.ravel(order=order).tolist() != e["bools"]: problems.append("values differ")
        elif flat.tobytes(order=order) != base64.b64decode(e["b64"]):
            problems.append("values differ")
        if problems: failures.append({"file": e["file"], "problems": problems})
    except Exception as err:
        failures.append({"file": e["file"], "problems": [repr(err)]})
print(json.dumps({"checked": len(manifest), "failures": failures}))
`;

describe(".npy write: what NumPy reads", () => {
  it("writes every dtype, byte order and memory order so NumPy reads the same values", async () => {
    const manifest: Array<Expected & { file: string }> = [];
    const add = async (key: string, array: NdArray | TypedArray, expectedDescr: string) => {
      const file = await store.set(`out/${key}`, array);
      const data = ArrayBuffer.isView(array) ? array : array.data;
      const shape = ArrayBuffer.isView(array) ? [array.length] : array.shape;
      const fortran = !ArrayBuffer.isView(array) && array.fortranOrder === true;
      const entry: Expected & { file: string } = { file, key, descr: expectedDescr, shape, fortran };
      if (Array.isArray(data)) entry.bools = data;
      else entry.b64 = base64(data as TypedArray);
      manifest.push(entry);
    };
    for (const descr of NUMERIC_DTYPES) {
      const orders = descr.startsWith("|") ? [""] : ["<", ">"];
      for (const order of orders) {
        const dtype = order ? order + descr.slice(1) : descr;
        for (const fortranOrder of [false, true]) {
          const shape = [2, 3, 4];
          const array: NdArray = { data: makeData(descr, 24), shape, dtype };
          if (fortranOrder) array.fortranOrder = true;
          await add(
            `${dtype.replace(/[<>|[\]]/g, "")}-${order === ">" ? "be" : "le"}-${fortranOrder ? "F" : "C"}`,
            array,
            dtype,
          );
        }
      }
    }
    // Bools also as a Uint8Array of 0/1; a scalar; an empty array; a time type; plain typed arrays.
    await add("bool-bytes", { data: new Uint8Array([1, 0, 1]), shape: [3], dtype: "|b1" }, "|b1");
    await add("scalar", ndarray(new Float64Array([Math.PI]), []), "<f8");
    await add("empty", ndarray(new Float32Array(0), [0, 5]), "<f4");
    await add(
      "times",
      ndarray(new BigInt64Array([0n, -1n, 10n ** 18n]), [3], { dtype: "<M8[ns]" }),
      "<M8[ns]",
    );
    await add("typed-f32", new Float32Array([1.5, -2, 3]), "<f4");
    await add("typed-u64", new BigUint64Array([2n ** 64n - 1n]), "<u8");
    await add("typed-clamped", new Uint8ClampedArray([0, 255]), "|u1");
    expect(manifest.every((m) => m.file.endsWith(".npy"))).toBe(true);

    const manifestPath = join(dir.path, "out-manifest.json");
    await import("node:fs/promises").then((fs) => fs.writeFile(manifestPath, JSON.stringify(manifest)));
    const result = await runPythonJson<{ checked: number; failures: unknown[] }>(NUMPY_READS, [
      dir.path,
      manifestPath,
    ]);
    expect(result.failures).toEqual([]);
    expect(result.checked).toBe(manifest.length);
  });

  it("writes a Uint8Array to a bare key as bytes, other typed arrays as .npy", async () => {
    expect(await store.set("raw", new Uint8Array([1, 2]))).toBe("raw.bin");
    expect(await store.set("ints", new Int32Array([1, 2]))).toBe("ints.npy");
    expect(await store.set("forced.npy", new Uint8Array([1, 2]))).toBe("forced.npy");
    expect(await store.get("forced")).toEqual({ data: new Uint8Array([1, 2]), shape: [2], dtype: "|u1" });
  });

  it("writes a boolean NdArray as .npy, not JSON", async () => {
    expect(await store.set("flags", ndarray([true, false, true]))).toBe("flags.npy");
    const bytes = await readFile(join(dir.path, "flags.npy"));
    expect(bytes.subarray(0, 6).toString("latin1")).toBe("\x93NUMPY");
  });

  it("refuses values that do not fit their dtype, as an unsupported value", async () => {
    const wrong = { data: new Float64Array(3), shape: [3], dtype: "<f4" };
    await expect(store.set("bad.npy", wrong)).rejects.toMatchObject({ code: "UNSUPPORTED_FORMAT" });
    const short = { data: new Float32Array(5), shape: [2, 3], dtype: "<f4" };
    await expect(store.set("bad.npy", short)).rejects.toThrow(/6 values/);
    const bf16 = ndarray(new Uint16Array(2), [2], { dtype: "bfloat16" });
    await expect(store.set("bad.npy", bf16)).rejects.toThrow(/safetensors/);
  });
});

describe("16-bit float helpers", () => {
  it("match NumPy's float16 conversions in both directions", async () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const widened = float16ToFloat32(all);
    // Doubles on and around rounding boundaries, subnormals, overflow, NaN, signed zero.
    const doubles = [
      0,
      -0,
      1,
      -1,
      65504,
      65519.99,
      65520,
      1e6,
      2 ** -24,
      2 ** -25,
      2 ** -25 * 1.0000001,
      1.0009765625,
      1.00048828125,
      1.0014648437500002,
      1.00146484375,
      6.103515625e-5,
      6.1e-5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      0.1,
      1 / 3,
    ];
    for (let i = 0; i < 2000; i++) doubles.push(Math.sin(i * 12.9898) * 10 ** ((i % 12) - 8));
    const narrowed = float32ToFloat16(doubles);
    const script = `
import json, sys
import numpy as np
doubles = np.array([float(x) for x in json.loads(sys.argv[1])], dtype=np.float64)
wide = np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32)
print(json.dumps({
    "narrow": doubles.astype(np.float16).view(np.uint16).tolist(),
    "wide_bits": wide.view(np.uint32).tolist(),
}))`;
    // JSON has no NaN, infinities or negative zero: they travel as strings Python's float() reads.
    const json = JSON.stringify(
      doubles.map((d) =>
        Object.is(d, -0) ? "-0.0" : Number.isFinite(d) ? d : String(d).replace("Infinity", "inf"),
      ),
    );
    const expected = await runPythonJson<{ narrow: number[]; wide_bits: number[] }>(script, [json]);
    expect(Array.from(narrowed)).toEqual(expected.narrow);
    const wideBits = new Uint32Array(widened.buffer);
    let mismatches = 0;
    for (let i = 0; i < 65536; i++) {
      const nan = Number.isNaN(widened[i]);
      const expectedNan = ((expected.wide_bits[i] as number) & 0x7fffffff) > 0x7f800000;
      if (nan ? !expectedNan : wideBits[i] !== expected.wide_bits[i]) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it("converts bfloat16 exactly", () => {
    expect(Array.from(float32ToBfloat16([1, -2, Math.PI, 65536, 1.00390625, 1.01171875]))).toEqual([
      0x3f80, 0xc000, 0x4049, 0x4780, 0x3f80, 0x3f82,
    ]);
    expect(Array.from(bfloat16ToFloat32(new Uint16Array([0x3f80, 0xc049, 0x7f80])))).toEqual([
      1,
      -3.140625,
      Number.POSITIVE_INFINITY,
    ]);
    expect(Number.isNaN(bfloat16ToFloat32(float32ToBfloat16([Number.NaN]))[0])).toBe(true);
  });
});
