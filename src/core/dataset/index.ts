/**
 * Folder datasets: a prefix of tabular files read lazily as one table.
 *
 * Which files belong: every `.parquet`, `.csv`, `.arrow` and `.feather` file under the folder, at any
 * depth, except those with a path segment starting with `.` or `_` (hidden files, temporary uploads,
 * Spark's `_SUCCESS` and `_temporary/`, `_metadata` summaries), as pyarrow and Spark skip them.
 * A folder with no file at all: {@link KeyNotFoundError}, as for any missing key. A folder with files
 * but no tabular one: {@link UnsupportedFormatError}.
 */
import { type Backend, isCommonPrefix } from "../backend.js";
import { DecodeError, KeyNotFoundError, UnsupportedFormatError } from "../errors.js";
import { loadArrow } from "../tables/arrow.js";
import { Dataset, type DatasetFile } from "./dataset.js";
import { Member, memberFormat } from "./members.js";
import { parsePartitions, partitionColumns } from "./partitions.js";

export { Dataset, type DatasetFile, type DatasetReadOptions } from "./dataset.js";

/** Opens the folder `prefix` (ending in `/`, or empty for the root) of a backend as a dataset. */
export async function openDataset(
  backend: Backend,
  prefix: string,
  options: { outward: (key: string) => string; signal?: AbortSignal | undefined },
): Promise<Dataset> {
  const uri = backend.uri(prefix);
  const context = { key: options.outward(prefix), uri, backend: backend.scheme };
  const found: Array<{ key: string; size: number | undefined }> = [];
  let others = 0;
  for await (const entry of backend.list(prefix, { signal: options.signal, metadata: true })) {
    if (isCommonPrefix(entry)) continue;
    const relative = entry.key.slice(prefix.length);
    if (relative.split("/").some((segment) => segment.startsWith(".") || segment.startsWith("_"))) continue;
    if (memberFormat(entry.key) === undefined) {
      others++;
      continue;
    }
    found.push({ key: entry.key, size: entry.size });
  }
  if (found.length === 0) {
    if (others === 0) throw new KeyNotFoundError(`read ${uri}: no files in this folder`, context);
    throw new UnsupportedFormatError(
      `read ${uri}: not a dataset: none of its ${others} files is .parquet, .csv, .arrow or .feather`,
      context,
    );
  }
  found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const parsed = found.map((f) => parsePartitions(f.key.slice(prefix.length)));
  const names = (parsed[0] ?? []).map(([name]) => name);
  parsed.forEach((parts, i) => {
    const these = parts.map(([name]) => name);
    if (these.join("/") !== names.join("/")) {
      const first = options.outward((found[0] as { key: string }).key);
      const other = options.outward((found[i] as { key: string }).key);
      throw new DecodeError(
        `read ${uri}: the files disagree on partitioning: ${first} has [${names.join(", ")}], ${other} has [${these.join(", ")}]`,
        { ...context, format: "dataset" },
      );
    }
  });
  const arrow = await loadArrow();
  const values = parsed.map((parts) => parts.map(([, value]) => value));
  const partitions = partitionColumns(arrow, names, values);

  const files: DatasetFile[] = [];
  for (const [i, f] of found.entries()) {
    // Listings that do not carry sizes (some backends without `metadata` support) cost a HEAD each.
    const size = f.size ?? (await backend.head(f.key, { signal: options.signal })).size;
    const format = memberFormat(f.key) as NonNullable<ReturnType<typeof memberFormat>>;
    files.push({
      member: new Member(backend, f.key, size, format),
      key: options.outward(f.key),
      partitionValues: values[i] ?? [],
    });
  }
  return new Dataset(context.key, uri, files, partitions);
}
