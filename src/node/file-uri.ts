/**
 * `file://` URIs: what follows the scheme is a percent-encoded absolute path (`file:///srv/my%20data`).
 */
import { fileURLToPath } from "node:url";

/** The local path of what follows `file://`. */
export function fileUriToPath(rest: string): string {
  return fileURLToPath(`file://${rest}`);
}

/** Splits a full `file://` key into its folder (the root to open) and the file name in it. */
export function splitFileUri(rest: string): { root: string; key: string } {
  const slash = rest.lastIndexOf("/");
  return {
    root: slash <= 0 ? "/" : rest.slice(0, slash),
    key: decodeURIComponent(rest.slice(slash + 1)),
  };
}
