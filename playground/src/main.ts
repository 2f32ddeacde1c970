/**
 * The autostore-js playground: pick a backend, browse its keys, preview values, act on them, and
 * copy the code that does the same. Vanilla TypeScript over autostore-js's browser build.
 */
import { actionsPanel } from "./actions.js";
import {
  type BackendKind,
  type Connection,
  connect,
  field,
  hasOpfs,
  rememberedS3,
  rememberS3,
  type S3Fields,
} from "./backends.js";
import { snippet } from "./code-snippets.js";
import { h, replace } from "./dom.js";
import { errorView } from "./errors.js";
import { showPreview } from "./preview/index.js";
import { loadSampleData, SAMPLE_CODE } from "./sample-data.js";
import { type Entry, KeyTree } from "./tree.js";

let connection: Connection | undefined;
let selected: Entry | undefined;

const app = document.getElementById("app") ?? document.body;
const notice = h("div", { class: "notice", role: "status", id: "notice" });
const preview = h(
  "section",
  { class: "preview", id: "preview", "aria-label": "Preview", "aria-live": "polite" },
  h("p", { class: "hint" }, "Select a key to preview it."),
);
const storeCode = snippet("", "code that opens this store");

const tree = new KeyTree((entry) => {
  selected = entry;
  actions.update(true);
  if (connection) void showPreview(preview, connection.store, entry);
});
const actions = actionsPanel({
  connection: () => connection,
  selected: () => selected,
  refresh: async (select) => {
    await tree.reload();
    if (select) await tree.reveal(select);
  },
  forget: () => {
    selected = undefined;
    replace(preview, h("p", { class: "hint" }, "Select a key to preview it."));
    actions.update(true);
  },
});

// Backend picker
const remembered = rememberedS3();
const text = (name: string, value = "", type = "text") =>
  h("input", { name, value, type, autocomplete: "off", spellcheck: "false" });
const s3Inputs = {
  endpoint: text("endpoint", remembered?.endpoint ?? "", "url"),
  region: text("region", remembered?.region ?? "us-east-1"),
  bucket: text("bucket", remembered?.bucket ?? ""),
  prefix: text("prefix", remembered?.prefix ?? ""),
  accessKeyId: text("accessKeyId", remembered?.accessKeyId ?? ""),
  secretAccessKey: text("secretAccessKey", remembered?.secretAccessKey ?? "", "password"),
  forcePathStyle: h("input", {
    type: "checkbox",
    name: "forcePathStyle",
    checked: remembered?.forcePathStyle ?? true,
  }),
  cache: h("input", { type: "checkbox", name: "cache", checked: remembered?.cache ?? false }),
  remember: h("input", { type: "checkbox", name: "remember", checked: remembered !== undefined }),
};
const httpUrl = text("url", "", "url");
const kind = h(
  "select",
  { id: "backend-kind", "aria-label": "Backend" },
  h("option", { value: "opfs" }, hasOpfs() ? "OPFS (this browser)" : "OPFS (not in this build: memory)"),
  h("option", { value: "memory" }, "Memory"),
  h("option", { value: "s3" }, "S3 / S3-compatible"),
  h("option", { value: "http" }, "HTTP(S) URL"),
);
const s3Form = h(
  "fieldset",
  { class: "s3-form", hidden: true },
  h("legend", {}, "S3 endpoint"),
  field("Endpoint (empty for AWS)", s3Inputs.endpoint),
  field("Region", s3Inputs.region),
  field("Bucket", s3Inputs.bucket),
  field("Prefix", s3Inputs.prefix),
  field("Access key id", s3Inputs.accessKeyId),
  field("Secret access key", s3Inputs.secretAccessKey),
  field("Path-style addressing", s3Inputs.forcePathStyle),
  field("Cache (IndexedDB)", s3Inputs.cache),
  field("Remember in this browser (stores the secret in localStorage)", s3Inputs.remember),
);
const httpForm = h(
  "fieldset",
  { class: "http-form", hidden: true },
  h("legend", {}, "HTTP(S)"),
  field("Base URL (ending in /) or a file or presigned URL", httpUrl),
);
kind.addEventListener("change", () => {
  s3Form.hidden = kind.value !== "s3";
  httpForm.hidden = kind.value !== "http";
});

function s3Fields(): S3Fields {
  return {
    endpoint: s3Inputs.endpoint.value,
    region: s3Inputs.region.value,
    bucket: s3Inputs.bucket.value,
    prefix: s3Inputs.prefix.value,
    accessKeyId: s3Inputs.accessKeyId.value,
    secretAccessKey: s3Inputs.secretAccessKey.value,
    forcePathStyle: s3Inputs.forcePathStyle.checked,
    cache: s3Inputs.cache.checked,
  };
}

async function open(): Promise<void> {
  const chosen = kind.value as BackendKind;
  try {
    const fields = s3Fields();
    const next = connect(chosen, fields, httpUrl.value);
    if (chosen === "s3") rememberS3(fields, s3Inputs.remember.checked);
    const previous = connection;
    connection = next;
    selected = undefined;
    if (previous && previous.store !== next.store) void previous.store.close().catch(() => {});
    replace(notice, next.notice ?? "");
    notice.hidden = !next.notice;
    replace(document.getElementById("store-label") ?? notice, next.label);
    storeCode.update(next.code);
    replace(preview, h("p", { class: "hint" }, "Select a key to preview it."));
    actions.update();
    await tree.show(next.store, next.pinned);
  } catch (err) {
    replace(notice, errorView(err, `opening ${chosen}`));
    notice.hidden = false;
  }
}

const sampleStatus = h("span", { class: "sample-status", role: "status" });
async function samples(): Promise<void> {
  const conn = connection;
  if (!conn) return;
  try {
    let n = 0;
    await loadSampleData(conn.store, (key) => {
      sampleStatus.textContent = `Wrote ${++n}: ${key}`;
    });
    sampleStatus.textContent = `Sample data loaded (${n} files)`;
    await tree.reload();
  } catch (err) {
    replace(sampleStatus, errorView(err, "loading sample data"));
  }
}

// HTTP has no listing: a person names the key to read.
const openKey = h("input", {
  id: "open-key",
  placeholder: "key, e.g. data/config.json",
  "aria-label": "Key to open",
});
const openForm = h(
  "form",
  {
    class: "open-key",
    onsubmit: (e) => {
      e.preventDefault();
      const key = openKey.value.trim();
      if (!key || !connection) return;
      selected = key.endsWith("/") ? { kind: "folder", key } : { kind: "file", key };
      actions.update(true);
      void showPreview(preview, connection.store, selected);
    },
  },
  openKey,
  h("button", { type: "submit" }, "Open"),
);

const filter = h("input", {
  type: "search",
  id: "filter",
  placeholder: "Filter with a glob: **/*.parquet",
  "aria-label": "Filter keys with a glob",
});
let filterTimer: ReturnType<typeof setTimeout> | undefined;
filter.addEventListener("input", () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => void tree.setFilter(filter.value), 250);
});

replace(
  app,
  h(
    "header",
    { class: "top" },
    h("h1", {}, "autostore-js playground"),
    h(
      "form",
      {
        class: "backend",
        "aria-label": "Backend",
        onsubmit: (e) => {
          e.preventDefault();
          void open();
        },
      },
      kind,
      h("button", { type: "submit", id: "connect" }, "Connect"),
      h("button", { type: "button", id: "load-samples", onclick: () => void samples() }, "Load sample data"),
      sampleStatus,
      s3Form,
      httpForm,
    ),
    notice,
  ),
  h(
    "main",
    { class: "layout" },
    h(
      "nav",
      { class: "browser", "aria-label": "Browse" },
      h("h2", { id: "store-label", class: "store-label" }, ""),
      filter,
      openForm,
      tree.el,
      h("details", { class: "store-code" }, h("summary", {}, "Open this store in code"), storeCode.el),
      h(
        "details",
        { class: "sample-code" },
        h("summary", {}, "Sample data in code"),
        snippet(SAMPLE_CODE, "sample data code").el,
      ),
    ),
    preview,
    actions.el,
  ),
);
notice.hidden = true;
void open();
