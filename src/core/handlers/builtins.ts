/**
 * The handlers every store starts with. Handlers for tables, arrays and images register here too; each
 * loads its codec lazily, so this list costs nothing until a format is used.
 */
import { BytesHandler } from "./bytes.js";
import { CborHandler } from "./cbor.js";
import type { DataHandler } from "./handler.js";
import { JsonHandler } from "./json.js";
import { JsonlHandler } from "./jsonl.js";
import { RefusedFormatHandler } from "./refused.js";
import { TextHandler } from "./text.js";
import { YamlHandler } from "./yaml.js";

/** Fresh instances of the built-in handlers. */
export function builtinHandlers(): DataHandler[] {
  return [
    new CborHandler(),
    new RefusedFormatHandler(),
    new JsonHandler(),
    new JsonlHandler(),
    new TextHandler(),
    new BytesHandler(),
    new YamlHandler(),
  ];
}
