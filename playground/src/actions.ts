/**
 * The actions panel: upload by drag and drop (streamed, with progress), write a value typed as JSON,
 * copy, move, delete, download, and presign on S3; each with the code that does the same.
 */
import type { AutoStore } from "autostore-js";
import type { Connection } from "./backends.js";
import { lit, type Snippet, snippet } from "./code-snippets.js";
import { h, replace } from "./dom.js";
import { errorView } from "./errors.js";
import type { Entry } from "./tree.js";

/** What the panel needs from the page. */
export interface ActionHost {
  connection(): Connection | undefined;
  selected(): Entry | undefined;
  /** Lists again and selects `key` when given. */
  refresh(select?: string): Promise<void>;
  /** Drops the selection (its key is gone). */
  forget(): void;
}

const folderOf = (entry: Entry | undefined): string =>
  !entry ? "" : entry.kind === "folder" ? entry.key : entry.key.slice(0, entry.key.lastIndexOf("/") + 1);

/**
 * Builds the panel; `update(selectionChanged)` re-renders the code for the current selection (and
 * proposes a destination for copy and move when the selection changed).
 */
export function actionsPanel(host: ActionHost): {
  el: HTMLElement;
  update(selectionChanged?: boolean): void;
} {
  const status = h("div", { class: "action-status", role: "status", "aria-live": "polite" });
  const say = (...nodes: (Node | string)[]) => replace(status, ...nodes);
  const run = async (doing: string, work: (store: AutoStore) => Promise<void>) => {
    const conn = host.connection();
    if (!conn) return;
    try {
      await work(conn.store);
    } catch (err) {
      say(errorView(err, doing));
    }
  };

  // Upload
  const progress = h("progress", {
    class: "upload-progress",
    max: 100,
    value: 0,
    "aria-label": "Upload progress",
  });
  const progressText = h("span", { class: "progress-text" }, "");
  const uploadCode = snippet("", "upload code");
  const fileInput = h("input", { type: "file", multiple: true, hidden: true });
  const upload = async (files: FileList | File[]) => {
    for (const file of files) {
      const key = `${folderOf(host.selected())}${file.name}`;
      await run(`uploading ${key}`, async (store) => {
        progress.value = 0;
        progressText.textContent = `${file.name}: 0%`;
        await store.path(key).uploadFrom(file, {
          onProgress: ({ loaded, total }) => {
            const pct = Math.round((loaded / (total ?? file.size ?? 1)) * 100) || (loaded ? 100 : 0);
            progress.value = Math.min(100, pct);
            progressText.textContent = `${file.name}: ${Math.min(100, pct)}%`;
          },
        });
        progress.value = 100;
        progressText.textContent = `${file.name}: 100%`;
        say(`Uploaded ${key}`);
        await host.refresh(key);
      });
    }
  };
  fileInput.addEventListener("change", () => {
    if (fileInput.files) void upload([...fileInput.files]);
  });
  const drop = h(
    "div",
    {
      class: "drop-zone",
      role: "button",
      tabindex: 0,
      "aria-label": "Drop files here to upload, or press Enter to choose files",
      onclick: () => fileInput.click(),
      onkeydown: (e) => {
        if ((e as KeyboardEvent).key === "Enter" || (e as KeyboardEvent).key === " ") fileInput.click();
      },
      ondragover: (e) => {
        e.preventDefault();
        drop.classList.add("over");
      },
      ondragleave: () => drop.classList.remove("over"),
      ondrop: (e) => {
        e.preventDefault();
        drop.classList.remove("over");
        const files = (e as DragEvent).dataTransfer?.files;
        if (files?.length) void upload([...files]);
      },
    },
    "Drop files here (or click) to upload into the selected folder",
  );

  // Write a JSON value
  const writeKey = h("input", { id: "write-key", value: "notes/todo", "aria-label": "Key to write" });
  const writeValue = h(
    "textarea",
    { id: "write-value", rows: 4, "aria-label": "Value as JSON" },
    '{ "done": false, "items": ["try autostore-js"] }',
  );
  const writeCode = snippet("", "write code");
  const write = () =>
    run(`store.set(${lit(writeKey.value)}, …)`, async (store) => {
      const value: unknown = JSON.parse(writeValue.value);
      const stored = await store.set(writeKey.value.trim(), value);
      say(`Wrote ${stored}`);
      await host.refresh(stored);
    });

  // Acting on the selection
  const target = h("input", {
    id: "target-key",
    placeholder: "destination key",
    "aria-label": "Destination key",
  });
  const selectedCode = snippet("", "code for the selected key");
  const presignOut = h("div", { class: "presign-out" });
  const onSelected = (name: string, work: (store: AutoStore, entry: Entry) => Promise<void>) => () => {
    const entry = host.selected();
    if (!entry) return say("Select a key in the tree first");
    return run(`${name} ${entry.key}`, (store) => work(store, entry));
  };
  const buttons = {
    copy: h(
      "button",
      {
        type: "button",
        onclick: onSelected("copy", async (store, entry) => {
          const to = await store.copy(entry.key, target.value.trim());
          say(`Copied to ${to}`);
          await host.refresh(to);
        }),
      },
      "Copy",
    ),
    move: h(
      "button",
      {
        type: "button",
        onclick: onSelected("move", async (store, entry) => {
          const to = await store.move(entry.key, target.value.trim());
          say(`Moved to ${to}`);
          await host.refresh(to);
        }),
      },
      "Move",
    ),
    delete: h(
      "button",
      {
        type: "button",
        class: "danger",
        onclick: onSelected("delete", async (store, entry) => {
          if (entry.kind === "folder") await store.path(entry.key).delete();
          else await store.delete(entry.key);
          say(`Deleted ${entry.key}`);
          await host.refresh();
        }),
      },
      "Delete",
    ),
    download: h(
      "button",
      {
        type: "button",
        onclick: onSelected("download", async (store, entry) => {
          const bytes = await store.path(entry.key).readBytes();
          const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
          const a = h("a", { href: url, download: entry.key.slice(entry.key.lastIndexOf("/") + 1) });
          a.click();
          setTimeout(() => URL.revokeObjectURL(url), 10_000);
          say(`Downloaded ${entry.key}`);
        }),
      },
      "Download",
    ),
    presign: h(
      "button",
      {
        type: "button",
        onclick: onSelected("presign", async (store, entry) => {
          const url = await store.presign(entry.key, { expiresIn: 3600 });
          replace(
            presignOut,
            h("a", { href: url, target: "_blank", rel: "noopener" }, "Presigned link (1 hour)"),
          );
          say("Presigned link ready");
        }),
      },
      "Presign",
    ),
  };

  const el = h(
    "aside",
    { class: "actions", "aria-label": "Actions" },
    h("h2", {}, "Actions"),
    h(
      "section",
      {},
      h("h3", {}, "Upload"),
      drop,
      fileInput,
      h("div", { class: "progress" }, progress, progressText),
      uploadCode.el,
    ),
    h(
      "section",
      {},
      h("h3", {}, "Write a value (JSON)"),
      h("label", { class: "field" }, h("span", {}, "Key"), writeKey),
      h("label", { class: "field" }, h("span", {}, "Value"), writeValue),
      h("button", { type: "button", id: "write-button", onclick: () => void write() }, "Write"),
      writeCode.el,
    ),
    h(
      "section",
      {},
      h("h3", {}, "Selected key"),
      h("label", { class: "field" }, h("span", {}, "To"), target),
      h("div", { class: "buttons" }, ...Object.values(buttons)),
      presignOut,
      selectedCode.el,
    ),
    status,
  );

  const update = (selectionChanged = false) => {
    const entry = host.selected();
    const conn = host.connection();
    const key = entry?.key ?? "data/example.json";
    const folder = folderOf(entry);
    const canPresign = conn ? conn.store.capabilities().presign : false;
    buttons.presign.disabled = !canPresign;
    buttons.download.disabled = entry?.kind === "folder";
    if (selectionChanged) target.value = entry?.kind === "file" ? key.replace(/(\.[^./]+)$/, "-copy$1") : "";
    (uploadCode as Snippet).update(
      `// file: a File from <input type="file"> or a drop\nawait store.path(${folder ? `${lit(folder)} + ` : ""}file.name).uploadFrom(file, {\n  onProgress: ({ loaded, total }) => console.log(loaded / total),\n});`,
    );
    writeCode.update(
      `const stored = await store.set(${lit(writeKey.value.trim())}, ${writeValue.value.trim() || "{}"});\n// stored: the key with its extension`,
    );
    const dst = target.value.trim() || "destination";
    selectedCode.update(
      [
        `await store.copy(${lit(key)}, ${lit(dst)});`,
        `await store.move(${lit(key)}, ${lit(dst)});`,
        entry?.kind === "folder"
          ? `await store.path(${lit(key)}).delete(); // the whole folder`
          : `await store.delete(${lit(key)});`,
        `const bytes = await store.path(${lit(key)}).readBytes(); // download`,
        `const url = await store.presign(${lit(key)}, { expiresIn: 3600 }); // S3 only`,
      ].join("\n"),
    );
  };
  for (const input of [writeKey, writeValue, target]) input.addEventListener("input", () => update());
  return { el, update };
}
