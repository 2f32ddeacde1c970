/**
 * The module graph of `src/` as the sources write it: which files an entry reaches and which packages
 * they import, through static imports and, when asked, `import("…")`. Type-only imports are left out
 * (they vanish from the build). For tests of what loads when.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";

const root = join(import.meta.dirname, "../../src");

export interface SourceGraph {
  /** Files reached, relative to `src` with a leading `/` (`/s3/backend.ts`). */
  files: string[];
  /** Every package import met, with the file (as in `files`) that names it. */
  packages: Array<{ from: string; spec: string }>;
}

/** The graph from `entry` (relative to `src`, e.g. `node/index.ts`). */
export async function sourceGraph(entry: string, followDynamic: boolean): Promise<SourceGraph> {
  const files = new Set<string>();
  const packages: SourceGraph["packages"] = [];
  const visit = async (file: string): Promise<void> => {
    if (files.has(file)) return;
    files.add(file);
    const source = await readFile(file, "utf8");
    const specs: string[] = [];
    for (const match of source.matchAll(/^\s*(import|export)\s([^;]*?)from\s+"([^"]+)";/gms)) {
      if (!/^(import|export)\s+type\s/.test(match[0].trim())) specs.push(match[3] as string);
    }
    if (followDynamic)
      for (const match of source.matchAll(/import\("([^"]+)"\)/g)) specs.push(match[1] as string);
    for (const spec of specs) {
      if (spec.startsWith(".")) await visit(join(file, "..", spec.replace(/\.js$/, ".ts")));
      else packages.push({ from: file.slice(root.length), spec });
    }
  };
  await visit(join(root, entry));
  return { files: [...files].map((f) => f.slice(root.length)), packages };
}
