import { DataHandler } from "./handler.js";

// The codec (PyYAML's rules, the `yaml` package) loads with the first YAML value: every build
// exports this handler, and a page that stores no YAML ships only this class.
const loadCodec = () => import("./yaml-codec.js");

/** YAML (`.yaml`, `.yml`), only when the key names it: a bare key never picks YAML on its own. */
export class YamlHandler extends DataHandler {
  readonly extensions = [".yaml", ".yml"];
  override priority = 10;

  canHandleData(): boolean {
    return false;
  }

  async decode(bytes: Uint8Array): Promise<unknown> {
    return (await loadCodec()).decodeYaml(bytes);
  }

  async encode(value: unknown): Promise<Uint8Array> {
    return (await loadCodec()).encodeYaml(value);
  }
}
