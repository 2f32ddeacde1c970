/**
 * `.safetensors` interop, both ways. The `safetensors` Python package is not installed here, so the
 * Python side reads and writes the format by hand (8-byte length, JSON header, raw bytes), checking
 * the reference implementation's rules on what this library writes.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AutoStore,
  bfloat16ToFloat32,
  type NdArray,
  ndarray,
  SAFETENSORS_METADATA,
  type Tensors,
  type TypedArray,
} from "../../src/node/index.js";
import { runPython, runPythonJson } from "../helpers/python.js";
import { tempDir } from "../helpers/tmp.js";
import { base64, type Expected, expectSameData, makeData } from "./util.js";

let dir: { path: string; remove: () => Promise<void> };
let store: AutoStore;

beforeAll(async () => {
  dir = await tempDir("autostore-safetensors-");
  store = new AutoStore(dir.path);
});
afterAll(async () => {
  await store.close();
  await dir.remove();
});

it("runs without the safetensors package, whose absence is why the format is handled by hand", async () => {
  const probe = await runPython(
    "import importlib.util; print(importlib.util.find_spec('safetensors') is not None)",
  );
  expect(probe.trim()).toBe("False");
});

const PYTHON_WRITES = String.raw`
import base64, json, struct, sys
import numpy as np

rng = np.random.default_rng(11)
f32 = (rng.standard_normal(12) * 100).astype("<f4")
tensors = {
    "f16": ("F16", (rng.standard_normal((3, 4)) * 10).astype("<f2")),
    "bf16": ("BF16", (f32.view("<u4") >> 16).astype("<u2").reshape(2, 6)),
    "f32": ("F32", f32.reshape(4, 3)),
    "f64": ("F64", rng.standard_normal((2, 2, 2)).astype("<f8")),
    "i8": ("I8", rng.integers(-128, 128, 7).astype("<i1")),
    "i16": ("I16", rng.integers(-2**15, 2**15, 7).astype("<i2")),
    "i32": ("I32", rng.integers(-2**31, 2**31, 7).astype("<i4")),
    "i64": ("I64", np.array([-2**63, 2**63 - 1, 0], dtype="<i8")),
    "u8": ("U8", np.arange(5, dtype="<u1")),
    "u16": ("U16", np.array([0, 65535], dtype="<u2")),
    "u32": ("U32", np.array([0, 2**32 - 1], dtype="<u4")),
    "u64": ("U64", np.array([0, 2**64 - 1], dtype="<u8")),
    "mask": ("BOOL", rng.integers(0, 2, (2, 3)).astype(bool)),
    "fp8": ("F8_E4M3", np.arange(0, 250, 50, dtype="<u1")),
    "scalar": ("F32", np.array(3.5, dtype="<f4")),
    "empty": ("F32", np.zeros((0, 4), dtype="<f4")),
}
header, blobs, offset, manifest = {"__metadata__": {"format": "pt", "note": "caf\u00e9"}}, [], 0, {}
# Data laid out in reverse name order, so offsets do not follow the header's order.
for name in sorted(tensors, reverse=True):
    dtype, a = tensors[name]
    raw = a.tobytes()
    header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
    blobs.append(raw)
    offset += len(raw)
    e = {"key": name, "descr": dtype, "shape": list(a.shape), "fortran": False}
    if a.dtype.kind == "b": e["bools"] = a.ravel().tolist()
    else: e["b64"] = base64.b64encode(raw).decode()
    manifest[name] = e
text = json.dumps(header).encode()
text += b" " * (-(len(text)) % 8)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
print(json.dumps(manifest))
`;

const DESCR: Record<string, string> = {
  F16: "<f2",
  BF16: "bfloat16",
  F32: "<f4",
  F64: "<f8",
  I8: "|i1",
  I16: "<i2",
  I32: "<i4",
  I64: "<i8",
  U8: "|u1",
  U16: "<u2",
  U32: "<u4",
  U64: "<u8",
  BOOL: "|b1",
  F8_E4M3: "float8_e4m3fn",
};

describe(".safetensors read: what the format's writers produce", () => {
  let manifest: Record<string, Expected>;
  let tensors: Tensors;
  beforeAll(async () => {
    manifest = await runPythonJson<Record<string, Expected>>(PYTHON_WRITES, [
      join(dir.path, "model.safetensors"),
    ]);
    tensors = await store.get<Tensors>("model");
  });

  it("reads every dtype exactly, in the header's order", () => {
    expect(Object.keys(tensors)).toEqual(Object.keys(manifest));
    for (const [name, e] of Object.entries(manifest)) {
      const t = tensors[name] as NdArray;
      expect(t.dtype, name).toBe(DESCR[e.descr]);
      expect(t.shape, name).toEqual(e.shape);
      expectSameData(t.data, e, name);
    }
    const bf16 = tensors.bf16 as NdArray;
    const f32 = tensors.f32 as NdArray;
    // bfloat16 keeps the top half of each float32: widening gives the float32 with its low bits cut.
    const truncated = new Float32Array(
      new Uint32Array((f32.data as Float32Array).buffer).map((b) => b & 0xffff0000).buffer,
    );
    expect(Array.from(bfloat16ToFloat32(bf16.data as Uint16Array))).toEqual(Array.from(truncated));
  });

  it("keeps __metadata__ under a symbol that stays out of the tensor names", () => {
    expect(tensors[SAFETENSORS_METADATA]).toEqual({ format: "pt", note: "café" });
    expect(Object.keys(tensors)).not.toContain("__metadata__");
    expect({ ...tensors }[SAFETENSORS_METADATA]).toEqual({ format: "pt", note: "café" });
  });
});

const PYTHON_READS = `
import base64, json, struct, sys
import numpy as np

path, manifest = sys.argv[1], json.load(open(sys.argv[2]))
problems = []
blob = open(path, "rb").read()
n = struct.unpack("<Q", blob[:8])[0]
if (8 + n) % 8: problems.append("data does not start 8-byte aligned")
header = json.loads(blob[8:8 + n].decode("utf-8"))
data = blob[8 + n:]
meta = header.pop("__metadata__", None)
if meta != manifest["metadata"]: problems.append(f"metadata {meta!r}")
# The reference reader's rules: offsets tile the buffer with no gap or overlap.
spans = sorted(tuple(v["data_offsets"]) for v in header.values())
end = 0
for b, e in spans:
    if b != end: problems.append(f"gap or overlap at {b}")
    end = e
if end != len(data): problems.append(f"buffer has {len(data)} bytes, tensors cover {end}")
np_types = {"F16": "<f2", "BF16": "<u2", "F32": "<f4", "F64": "<f8", "I8": "<i1", "I16": "<i2", "I32": "<i4",
            "I64": "<i8", "U8": "<u1", "U16": "<u2", "U32": "<u4", "U64": "<u8", "BOOL": "|b1"}
if sorted(header) != sorted(manifest["tensors"]): problems.append(f"names {sorted(header)}")
for name, e in manifest["tensors"].items():
    h = header.get(name)
    if h is None: continue
    if h["dtype"] != e["st"]: problems.append(f"{name}: dtype {h['dtype']}")
    if h["shape"] != e["shape"]: problems.append(f"{name}: shape {h['shape']}")
    b, end = h["data_offsets"]
    got = np.frombuffer(data[b:end], dtype=np_types[h["dtype"]]).reshape(h["shape"])
    if b % got.dtype.itemsize: problems.append(f"{name}: misaligned")
    if "bools" in e:
        want = np.array(e["bools"], dtype=bool)
    else:
        want = np.frombuffer(base64.b64decode(e["b64"]), dtype=np_types[h["dtype"]])
    want = np.ascontiguousarray(want.reshape(e["shape"], order="F" if e["fortran"] else "C"))
    if not np.array_equal(got.view(np.uint8) if got.dtype.kind == "f" else got,
                          want.view(np.uint8) if want.dtype.kind == "f" else want):
        problems.append(f"{name}: values differ")
print(json.dumps(problems))
`;

describe(".safetensors write: what a reader by the format's rules sees", () => {
  it("writes every dtype, row-major, little-endian and aligned, with metadata", async () => {
    const plan: Array<[string, string, string]> = [
      ["f16", "<f2", "F16"],
      ["f32", "<f4", "F32"],
      ["f64be", ">f8", "F64"],
      ["i8", "|i1", "I8"],
      ["i16", "<i2", "I16"],
      ["i32", "<i4", "I32"],
      ["i64", "<i8", "I64"],
      ["u8", "|u1", "U8"],
      ["u16", "<u2", "U16"],
      ["u32", "<u4", "U32"],
      ["u64", "<u8", "U64"],
      ["mask", "|b1", "BOOL"],
    ];
    const tensors: Tensors = {};
    const expected: Record<string, Expected & { st: string }> = {};
    for (const [i, [name, dtype, st]] of plan.entries()) {
      const descr = dtype.replace(">", "<");
      // Odd shapes and every third one column-major: the writer must reorder it to row-major.
      const fortran = i % 3 === 1;
      const data = makeData(descr, 15, i + 7);
      tensors[name] = ndarray(data, [3, 5], { dtype, fortranOrder: fortran });
      const e: Expected & { st: string } = { key: name, descr, shape: [3, 5], fortran, st };
      if (Array.isArray(data)) e.bools = data;
      else e.b64 = base64(data as TypedArray);
      expected[name] = e;
    }
    const bf16 = ndarray(new Uint16Array([0x3f80, 0xc000, 0x7f80]), [3], { dtype: "bfloat16" });
    tensors.bf16 = bf16;
    expected.bf16 = {
      key: "bf16",
      descr: "bfloat16",
      shape: [3],
      fortran: false,
      st: "BF16",
      b64: base64(bf16.data as TypedArray),
    };
    tensors[SAFETENSORS_METADATA] = { format: "pt", source: "autostore-js" };

    expect(await store.set("ours.safetensors", tensors)).toBe("ours.safetensors");
    const manifestPath = join(dir.path, "st-manifest.json");
    await writeFile(
      manifestPath,
      JSON.stringify({ metadata: tensors[SAFETENSORS_METADATA], tensors: expected }),
    );
    const problems = await runPythonJson<string[]>(PYTHON_READS, [
      join(dir.path, "ours.safetensors"),
      manifestPath,
    ]);
    expect(problems).toEqual([]);

    const back = await store.get<Tensors>("ours");
    expect(Object.keys(back)).toEqual(Object.keys(tensors));
    expect(back[SAFETENSORS_METADATA]).toEqual({ format: "pt", source: "autostore-js" });
    expect(back.bf16).toEqual(bf16);
  });

  it("refuses what safetensors cannot hold", async () => {
    const complex = { z: ndarray(new Float64Array(4), [2], { dtype: "<c16" }) };
    await expect(store.set("c.safetensors", complex)).rejects.toThrow(/no dtype/);
    const badMeta: Tensors = { a: ndarray(new Float32Array(1)) };
    (badMeta as Record<symbol, unknown>)[SAFETENSORS_METADATA] = { n: 1 };
    await expect(store.set("m.safetensors", badMeta)).rejects.toMatchObject({ code: "UNSUPPORTED_FORMAT" });
  });

  it("writes a bare-key record of arrays as .npz, not .safetensors", async () => {
    expect(await store.set("weights", { w: ndarray(new Float32Array(4), [2, 2]) })).toBe("weights.npz");
  });
});
