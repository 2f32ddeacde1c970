/**
 * Folder datasets: a prefix of tabular files read lazily as one table.
 */
import type { Backend } from "../backend.js";
import { UnsupportedOperationError } from "../errors.js";

/** Opens the folder `prefix` (ending in `/`) of a backend as a dataset. */
export async function openDataset(
  backend: Backend,
  prefix: string,
  _options: { outward: (key: string) => string; signal?: AbortSignal | undefined },
): Promise<unknown> {
  throw new UnsupportedOperationError(`read ${backend.uri(prefix)}: folder datasets are not available yet`, {
    key: prefix,
    uri: backend.uri(prefix),
    backend: backend.scheme,
  });
}
