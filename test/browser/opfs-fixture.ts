/**
 * Fresh OPFS folders for browser tests: each under the origin's OPFS root, named uniquely, removed
 * with everything in it by the cleanup.
 */
export async function opfsFolder(label: string): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `${label}-${crypto.randomUUID()}`;
  return {
    name,
    remove: async () => {
      const root = await navigator.storage.getDirectory();
      await root.removeEntry(name, { recursive: true }).catch((err: unknown) => {
        if ((err as Error).name !== "NotFoundError") throw err;
      });
    },
  };
}

/** The file at `path` (`/`-separated) under the OPFS root, looked up without the library; undefined when missing. */
export async function opfsFile(path: string): Promise<File | undefined> {
  const segments = path.split("/");
  const name = segments.pop() as string;
  let folder = await navigator.storage.getDirectory();
  try {
    for (const segment of segments) folder = await folder.getDirectoryHandle(segment);
    return await (await folder.getFileHandle(name)).getFile();
  } catch (err) {
    if ((err as Error).name === "NotFoundError") return undefined;
    throw err;
  }
}

/** The names in the OPFS folder at `path`, hidden ones included, sorted. */
export async function opfsNames(path: string): Promise<string[]> {
  let folder = await navigator.storage.getDirectory();
  for (const segment of path.split("/")) folder = await folder.getDirectoryHandle(segment);
  const names: string[] = [];
  for await (const name of (folder as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
  return names.sort();
}
