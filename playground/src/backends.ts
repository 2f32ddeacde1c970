/**
 * The backend picker: OPFS (the default), memory, S3 or an S3-compatible endpoint, or an HTTP(S)
 * base URL or presigned URL. Credentials stay in this page's memory; they go to localStorage only
 * when "remember" is ticked, and never into the URL, the code snippets or the console.
 */
import { AutoStore } from "autostore-js";
import { lit } from "./code-snippets.js";
import { h } from "./dom.js";

export type BackendKind = "opfs" | "memory" | "s3" | "http";

/** The S3 form's fields. */
export interface S3Fields {
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  cache: boolean;
}

/** An opened store and what the page says about it. */
export interface Connection {
  kind: BackendKind;
  store: AutoStore;
  /** What the tree shows as its root. */
  label: string;
  /** The code that opens the same store (secrets left out). */
  code: string;
  /** Set when the page had to pick another backend than the one asked for. */
  notice?: string;
  /** A single file to show (an HTTP(S) URL that names a file, e.g. a presigned URL). */
  pinned?: string;
}

const REMEMBER_KEY = "autostore-playground:s3";

/** True when this build of autostore-js has the OPFS backend. */
export function hasOpfs(): boolean {
  const probe = new AutoStore("memory://playground-probe");
  return probe.getSupportedBackends().includes("opfs");
}

/** Opens the store a choice names. */
export function connect(kind: BackendKind, s3: S3Fields, url: string): Connection {
  if (kind === "opfs") {
    if (!hasOpfs()) {
      return {
        ...connect("memory", s3, url),
        notice:
          "This build of autostore-js has no OPFS backend (scheme 'opfs' is not registered): using memory instead; data goes away with the page.",
      };
    }
    return {
      kind,
      store: new AutoStore("opfs://playground"),
      label: "opfs://playground",
      code: `import { AutoStore } from "autostore-js";\n\nconst store = new AutoStore("opfs://playground");`,
    };
  }
  if (kind === "memory") {
    return {
      kind,
      store: new AutoStore("memory://playground"),
      label: "memory://playground",
      code: `import { AutoStore } from "autostore-js";\n\nconst store = new AutoStore("memory://playground");`,
    };
  }
  if (kind === "s3") {
    const prefix = s3.prefix.replace(/^\/+/, "").replace(/\/*$/, s3.prefix.trim() ? "/" : "");
    const root = `s3://${s3.bucket.trim()}/${prefix}`;
    const init = {
      region: s3.region.trim() || "us-east-1",
      forcePathStyle: s3.forcePathStyle,
      cacheEnabled: s3.cache,
      ...(s3.endpoint.trim() ? { endpoint: s3.endpoint.trim() } : {}),
      ...(s3.accessKeyId
        ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }
        : { anonymous: true }),
    };
    const lines = [
      ...(init.endpoint ? [`  endpoint: ${lit(init.endpoint)},`] : []),
      `  region: ${lit(init.region)},`,
      `  forcePathStyle: ${init.forcePathStyle},`,
      ...(s3.accessKeyId
        ? [
            "  accessKeyId: myAccessKeyId, // never hard-code credentials in a page",
            "  secretAccessKey: mySecretAccessKey,",
          ]
        : ["  anonymous: true,"]),
      `  cacheEnabled: ${s3.cache},`,
    ];
    return {
      kind,
      store: new AutoStore(root, init),
      label: root,
      code: `import { AutoStore } from "autostore-js";\n\nconst store = new AutoStore(${lit(root)}, {\n${lines.join("\n")}\n});`,
    };
  }
  const parsed = new URL(url.trim());
  if (parsed.pathname.endsWith("/") && !parsed.search) {
    return {
      kind,
      store: new AutoStore(parsed.href),
      label: parsed.href,
      code: `import { AutoStore } from "autostore-js";\n\n// HTTP has no listing: name files with their extension\nconst store = new AutoStore(${lit(parsed.href)});`,
    };
  }
  // A file URL (a presigned one too) is read as a full-URI key of any store.
  return {
    kind,
    store: new AutoStore("memory://playground-http"),
    label: `${parsed.origin}${parsed.pathname}`,
    pinned: parsed.href,
    code: `import { AutoStore } from "autostore-js";\n\nconst store = new AutoStore("memory://scratch");\nconst value = await store.get(url); // a presigned URL works as a key`,
  };
}

/** The S3 fields remembered in localStorage (only when the person ticked "remember"). */
export function rememberedS3(): S3Fields | undefined {
  try {
    const raw = localStorage.getItem(REMEMBER_KEY);
    return raw ? (JSON.parse(raw) as S3Fields) : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps the fields in localStorage when `remember`, and forgets them otherwise. */
export function rememberS3(fields: S3Fields, remember: boolean): void {
  if (remember) localStorage.setItem(REMEMBER_KEY, JSON.stringify(fields));
  else localStorage.removeItem(REMEMBER_KEY);
}

/** A labelled input. */
export function field(label: string, input: HTMLInputElement): HTMLLabelElement {
  return h("label", { class: input.type === "checkbox" ? "check" : "field" }, h("span", {}, label), input);
}
