/**
 * Which backend serves which URI scheme. The core registers `memory`; each runtime's entry point
 * registers what it has (`file` on Node, `opfs` in browsers, `s3` everywhere) and names the scheme
 * that plain paths such as `./data` mean. Factories load heavy modules (the AWS SDK…) only in `open`.
 */
import type { Backend } from "./backend.js";
import { MemoryBackend } from "./backends/memory.js";
import { PrefixedBackend } from "./backends/prefix.js";
import { ConfigError } from "./errors.js";
import { Options, type OptionsClass } from "./options.js";

/** What a factory is given to open a backend. */
export interface OpenContext {
  /** The scheme the backend is opened for (`s3`, `minio`…). */
  scheme: string;
  /** The options that apply to that scheme. */
  options: Options;
  /** True when the root is a plain local path (`./data`), not what follows `scheme://` (percent-encoded). */
  localPath?: boolean;
  /**
   * True when the backend serves full-URI keys: its keys are what {@link BackendFactory.split} made
   * of URIs, spelled as the scheme's URIs spell them (percent-encoded for `http(s)`), not names.
   */
  uriKeys?: boolean;
}

/** Opens backends of one kind. */
export interface BackendFactory {
  /** The kind's name (`s3`, `file`…), so `registerScheme("minio", "s3")` can find it. */
  readonly kind: string;
  /** The options class that validates this kind's fields. @default Options */
  readonly optionsClass?: OptionsClass;
  /**
   * Opens a backend for a root: what follows `scheme://` (`bucket/prefix/`, `/abs/dir`, `name`), or a
   * plain local path (`./data`) for the runtime's local scheme. Synchronous: a backend loads its heavy
   * modules (SDKs, WASM) on its first request, not here.
   */
  open(root: string, context: OpenContext): Backend;
  /**
   * Splits what follows `scheme://` in a full-URI key into the root to open and the key inside it.
   * @default the first segment is the root: `bucket/a/b.json` → root `bucket`, key `a/b.json`
   */
  split?(rest: string): { root: string; key: string };
}

/** The backend kinds every build knows by name. */
export type BuiltinKind = "s3" | "file" | "memory" | "http" | "opfs";

const memoryFactory: BackendFactory = {
  kind: "memory",
  // `memory://space/logs` is the folder `logs/` of the space `space`: the objects that the key
  // `memory://space/logs/a.json` names too.
  open: (root) => {
    const { root: name, key: folder } = splitFirstSegment(root.replace(/\/+$/, ""));
    const space = new MemoryBackend(name || undefined);
    return folder === "" ? space : new PrefixedBackend(space, `${folder}/`);
  },
};

const factories = new Map<string, BackendFactory>([["memory", memoryFactory]]);
let localScheme: string | undefined;

/** Registers (or replaces) the factory for a scheme. */
export function registerSchemeFactory(scheme: string, factory: BuiltinKind | BackendFactory): void {
  const name = scheme.toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*$/.test(name)) {
    throw new ConfigError(
      `invalid scheme ${JSON.stringify(scheme)}: use lower-case letters, digits, '+', '.', '-'`,
      {
        field: "scheme",
      },
    );
  }
  factories.set(name, typeof factory === "string" ? factoryOfKind(factory) : factory);
}

/** The factory registered under a kind's own name (`s3`, `file`…). */
export function factoryOfKind(kind: string): BackendFactory {
  for (const factory of factories.values()) if (factory.kind === kind) return factory;
  throw new ConfigError(
    `backend kind '${kind}' is not available in this build; known: ${[...new Set([...factories.values()].map((f) => f.kind))].join(", ")}`,
  );
}

/** The factory for a scheme, if any. */
export function schemeFactory(scheme: string): BackendFactory | undefined {
  return factories.get(scheme);
}

/** Every registered scheme. */
export function registeredSchemes(): string[] {
  return [...factories.keys()];
}

/** Names the scheme plain paths (`./data`, `/srv/data`) mean in this runtime. */
export function setLocalScheme(scheme: string): void {
  localScheme = scheme;
}

/** The scheme plain paths mean here, if this runtime has local storage. */
export function getLocalScheme(): string | undefined {
  return localScheme;
}

/** The default split of a URI's rest: first segment is the root. */
export function splitFirstSegment(rest: string): { root: string; key: string } {
  const slash = rest.indexOf("/");
  return slash === -1 ? { root: rest, key: "" } : { root: rest.slice(0, slash), key: rest.slice(slash + 1) };
}

/** The options class a scheme's factory validates with. */
export function optionsClassOf(factory: BackendFactory | undefined): OptionsClass {
  return factory?.optionsClass ?? (Options as OptionsClass);
}
