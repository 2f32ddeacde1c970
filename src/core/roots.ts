/**
 * What a store's root and its full-URI keys may be. A root is checked once, when the store is made:
 * mistakes that would otherwise quietly make a local folder (`s3:/bucket` with one slash, `~/data`)
 * are a {@link ConfigError} that says what to write. A full-URI key is checked on every call against
 * the `uriKeys` policy before any I/O: local files outside the root are refused unless the owner opted
 * in, and a store for untrusted input refuses every URI key.
 */
import { ConfigError, PermissionDeniedError } from "./errors.js";
import type { ParsedUri } from "./keys.js";
import type { UriKeys } from "./options.js";

/** Backend kinds whose objects are the machine's (or the browser's) own files. */
export const LOCAL_FILE_KINDS: ReadonlySet<string> = new Set(["file", "opfs"]);

// `s3:/bucket`, `s3:bucket`, `https:/host`: a scheme with fewer than two slashes. One letter is a
// Windows drive (`C:/data`), which is a path.
const ONE_SLASH = /^([a-zA-Z][a-zA-Z0-9+.-]+):(\/?)(?!\/)/;

/**
 * Checks a root that is not a `scheme://` URI before it is taken as a local path.
 * @param known the schemes this store knows (`s3`, `https`, `memory`…)
 */
export function checkLocalRoot(root: string, known: readonly string[]): void {
  const slashes = ONE_SLASH.exec(root);
  const scheme = slashes?.[1]?.toLowerCase();
  if (slashes && scheme && (known.includes(scheme) || ["http", "https", "s3", "file"].includes(scheme))) {
    const fixed = `${scheme}://${root.slice(slashes[0].length)}`;
    throw new ConfigError(
      `AutoStore: root '${root}' has ${slashes[2] ? "one slash" : "no slash"} after '${scheme}:', so it would be a local folder named '${scheme}:'; write '${fixed}'`,
      { field: "root" },
    );
  }
  if (root === "~" || root.startsWith("~/") || root.startsWith("~\\")) {
    throw new ConfigError(
      `AutoStore: root '${root}' starts with '~', which only a shell expands; write the full path, e.g. path.join(os.homedir(), '${root.slice(2) || "data"}')`,
      { field: "root" },
    );
  }
}

/** What the `uriKeys` policy makes of a full-URI key. */
export type UriDecision =
  /** Open the URI's own backend. */
  | { route: "own" }
  /** The URI names a file inside the store's root: use this key on the primary backend. */
  | { route: "primary"; key: string };

/**
 * Applies the `uriKeys` policy to a full-URI key.
 *
 * @param kind the backend kind of the key's scheme (`file`, `s3`, `memory`…)
 * @param primary the primary backend's kind and root URI (`file:///srv/data/`)
 * @throws PermissionDeniedError when the policy refuses the key
 */
export function decideUriKey(
  key: string,
  uri: ParsedUri,
  kind: string,
  policy: UriKeys,
  primary: { kind: string; root: string },
): UriDecision {
  const refuse = (why: string): never => {
    throw new PermissionDeniedError(`refused: '${key}': ${why}`, { key, uri: key, backend: uri.scheme });
  };
  if (policy === "none") {
    refuse("this store takes no full-URI keys (uriKeys: 'none'); name keys relative to its root");
  }
  if (!LOCAL_FILE_KINDS.has(kind) || policy === "any") return { route: "own" };
  // A local file is allowed when it lies inside the root: it is then a key of the primary backend, so
  // the root's own containment checks (symbolic links included) apply to it.
  const inside = kind === primary.kind ? relativeToRoot(key, primary.root) : undefined;
  if (inside === undefined) {
    refuse(
      `it is a local file outside the store's root ${primary.root} (uriKeys: 'remote'); pass uriKeys: 'any' to allow local files anywhere`,
    );
  }
  return { route: "primary", key: inside as string };
}

/**
 * The key of a URI inside a root URI (`file:///srv/data/a%20b.json` in `file:///srv/data/` →
 * `a b.json`), or undefined when it lies elsewhere. Both are normalized as URLs first, so `..`
 * segments and equivalent escapes cannot disguise a path outside the root.
 */
function relativeToRoot(key: string, root: string): string | undefined {
  let normalized: string;
  let base: string;
  try {
    normalized = new URL(key).href;
    base = new URL(root).href;
  } catch {
    return undefined;
  }
  if (!base.endsWith("/")) base += "/";
  if (!normalized.startsWith(base) || normalized.length === base.length) return undefined;
  const rest = normalized.slice(base.length);
  try {
    return rest.split("/").map(decodeURIComponent).join("/");
  } catch {
    return undefined;
  }
}
