import { DataHandler } from "./handler.js";
import { decodeText, encodeText } from "./values.js";

// YAML 1.1, the version PyYAML reads and writes: a Python AutoStore user sees the same values
// (`yes` → true, `2024-01-02` → a date), and strings such as "yes" or "off" are written quoted so
// that PyYAML does not turn them into booleans.
const YAML_VERSION = "1.1";

/** YAML (`.yaml`, `.yml`), only when the key names it: a bare key never picks YAML on its own. */
export class YamlHandler extends DataHandler {
  readonly extensions = [".yaml", ".yml"];
  override priority = 10;

  canHandleData(): boolean {
    return false;
  }

  async decode(bytes: Uint8Array): Promise<unknown> {
    const { parse } = await import("yaml");
    return parse(decodeText(bytes), { version: YAML_VERSION });
  }

  async encode(value: unknown): Promise<Uint8Array> {
    const { stringify } = await import("yaml");
    return encodeText(stringify(value, { version: YAML_VERSION }));
  }
}
