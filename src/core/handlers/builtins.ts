/**
 * The handlers every store starts with. Handlers for tables, arrays and images register here too; each
 * loads its codec lazily, so this list costs nothing until a format is used.
 */
import { markTextCodec } from "../handover.js";
import { ArrowIpcHandler } from "./arrow.js";
import { BytesHandler } from "./bytes.js";
import { CborHandler } from "./cbor.js";
import { CsvHandler } from "./csv.js";
import type { DataHandler } from "./handler.js";
import { ImageHandler } from "./image.js";
import { JsonHandler } from "./json.js";
import { JsonlHandler } from "./jsonl.js";
import { NpyHandler } from "./npy.js";
import { NpzHandler } from "./npz.js";
import { ParquetHandler } from "./parquet.js";
import { RefusedFormatHandler } from "./refused.js";
import { SafetensorsHandler } from "./safetensors.js";
import { SparseNpzHandler } from "./sparse-npz.js";
import { TextHandler } from "./text.js";
import { YamlHandler } from "./yaml.js";

/** Fresh instances of the built-in handlers. */
export function builtinHandlers(): DataHandler[] {
  return [
    new CborHandler(),
    new RefusedFormatHandler(),
    // Their bytes pass to and from a memory backend without copies (see handover.ts).
    markTextCodec(new JsonHandler()),
    markTextCodec(new JsonlHandler()),
    markTextCodec(new TextHandler()),
    new BytesHandler(),
    new YamlHandler(),
    // Arrays and images (priority 20, above JSON): `.safetensors` sits at 19, so a bare-key record of
    // arrays is written as `.npz`.
    new NpyHandler(),
    new NpzHandler(),
    new SparseNpzHandler(),
    new SafetensorsHandler(),
    new ImageHandler(),
    // Tables: the three share priority 20 and Parquet comes last, so a bare-key table is written as Parquet.
    new CsvHandler(),
    new ArrowIpcHandler(),
    new ParquetHandler(),
  ];
}
