import { isArrowTable } from "../tables/table-like.js";
import { DataHandler } from "./handler.js";

/**
 * Apache Arrow tables as Arrow IPC files (`.arrow`, and `.feather`, which is Feather v2: the same
 * format). Reads IPC streams too. No compression: these files map straight into memory.
 */
export class ArrowIpcHandler extends DataHandler {
  readonly extensions = [".arrow", ".feather"];
  // Parquet, registered after this handler at the same priority, wins bare-key tables.
  override priority = 20;

  canHandleData(value: unknown): boolean {
    return isArrowTable(value);
  }

  async decode(bytes: Uint8Array): Promise<unknown> {
    const { loadArrow } = await import("../tables/arrow.js");
    const arrow = await loadArrow();
    // tableFromIPC reads bytes that are not IPC as an empty table: check the magic first.
    if (!looksLikeIpc(bytes)) throw new Error("not an Arrow IPC file or stream (no ARROW1 magic)");
    return arrow.tableFromIPC(bytes);
  }

  async encode(value: unknown): Promise<Uint8Array> {
    if (!isArrowTable(value)) throw new TypeError("an Arrow IPC file holds an apache-arrow Table");
    const { adoptTable, loadArrow } = await import("../tables/arrow.js");
    const arrow = await loadArrow();
    return arrow.tableToIPC(adoptTable(arrow, value), "file");
  }
}

/** An IPC file starts with `ARROW1`; a stream with a 0xFFFFFFFF continuation marker. */
function looksLikeIpc(bytes: Uint8Array): boolean {
  const file = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31].every((b, i) => bytes[i] === b);
  const stream = bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff;
  return file || stream;
}
