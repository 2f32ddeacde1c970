/**
 * The key tree: folders list lazily when opened (one delimited listing each), files show size,
 * modification time and format. A filter box switches to a flat list of `store.listFiles(glob)`.
 * Keyboard: the WAI-ARIA tree pattern (arrows, Home/End, Enter/Space), with a roving tabindex.
 */
import { type AutoStore, isCommonPrefix } from "autostore-js";
import { formatBytes, formatOf, formatTime, h, replace } from "./dom.js";
import { errorView } from "./errors.js";

/** A file (`key` with its extension) or a folder (`key` ends in `/`). */
export interface Entry {
  kind: "file" | "folder";
  key: string;
  size?: number;
  modifiedTime?: Date;
}

const nameOf = (key: string): string => {
  const trimmed = key.endsWith("/") ? key.slice(0, -1) : key;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1) || trimmed;
};

/** The tree view. `onSelect` runs when a person picks an entry (click, Enter or Space). */
export class KeyTree {
  readonly el: HTMLUListElement;
  #store: AutoStore | undefined;
  #pinned: string | undefined;
  #open = new Set<string>();
  #selected: string | undefined;
  #filter = "";

  constructor(private readonly onSelect: (entry: Entry) => void) {
    this.el = h("ul", {
      role: "tree",
      "aria-label": "Keys",
      class: "tree",
      onkeydown: (e) => this.#key(e as KeyboardEvent),
    });
  }

  /** Shows another store (forgetting open folders and the selection). */
  async show(store: AutoStore, pinned?: string): Promise<void> {
    this.#store = store;
    this.#pinned = pinned;
    this.#open.clear();
    this.#selected = undefined;
    await this.reload();
  }

  /** Lists again, keeping open folders open and the selection selected. */
  async reload(): Promise<void> {
    if (this.#filter) await this.#showFiltered();
    else if (this.#pinned) replace(this.el, this.#item({ kind: "file", key: this.#pinned }, 1));
    else await this.#fill(this.el, "", 1);
    this.#ensureTabStop();
  }

  /** Filters with a glob (`**\/*.parquet`); an empty pattern goes back to the tree. */
  async setFilter(pattern: string): Promise<void> {
    this.#filter = pattern.trim();
    await this.reload();
  }

  /** Opens the folders above a key, then selects it (after a write, say). */
  async reveal(key: string): Promise<void> {
    if (!this.#filter && !this.#pinned) {
      const parts = key.split("/").slice(0, -1);
      let prefix = "";
      for (const part of parts) {
        prefix += `${part}/`;
        const li = this.#find(prefix);
        if (!li) break;
        if (li.getAttribute("aria-expanded") !== "true") await this.#expand(li);
      }
    }
    this.select(key);
  }

  /** Selects a key if it is shown. */
  select(key: string): void {
    const li = this.#find(key);
    if (li) this.#activate(li, false);
  }

  async #fill(group: HTMLElement, prefix: string, level: number): Promise<void> {
    const store = this.#store;
    if (!store) return;
    const items: HTMLLIElement[] = [];
    try {
      for await (const entry of store.primaryBackend.list(prefix, { delimiter: true, metadata: true })) {
        if (isCommonPrefix(entry)) items.push(this.#item({ kind: "folder", key: entry.prefix }, level));
        else items.push(this.#item({ kind: "file", ...entry }, level));
      }
    } catch (err) {
      replace(group, h("li", { role: "none" }, errorView(err, `listing ${prefix || "the root"}`)));
      return;
    }
    if (items.length === 0)
      items.push(h("li", { role: "none", class: "empty" }, prefix ? "(empty)" : "No keys yet"));
    replace(group, ...items);
    for (const li of items) {
      const key = li.dataset.key;
      if (key?.endsWith("/") && this.#open.has(key)) await this.#expand(li);
    }
  }

  async #showFiltered(): Promise<void> {
    const store = this.#store;
    if (!store) return;
    const entries: Entry[] = [];
    try {
      for await (const key of store.listFiles(this.#filter)) {
        entries.push({ kind: "file", key });
        if (entries.length >= 500) break;
      }
      await Promise.all(
        entries.slice(0, 100).map(async (entry) => {
          const meta = await store.getMetadata(entry.key);
          entry.size = meta.size;
          entry.modifiedTime = meta.modifiedTime;
        }),
      );
    } catch (err) {
      replace(this.el, h("li", { role: "none" }, errorView(err, `filtering with ${this.#filter}`)));
      return;
    }
    replace(
      this.el,
      ...(entries.length
        ? entries.map((entry) => this.#item(entry, 1, entry.key))
        : [h("li", { role: "none", class: "empty" }, "No file matches")]),
    );
  }

  #item(entry: Entry, level: number, label = nameOf(entry.key)): HTMLLIElement {
    const folder = entry.kind === "folder";
    const format = folder ? "folder" : formatOf(entry.key);
    const row = h(
      "div",
      { class: "row" },
      h("span", { class: "twisty", "aria-hidden": "true" }, folder ? "▸" : ""),
      h("span", { class: "name" }, label),
      h("span", { class: "format" }, format),
      h("span", { class: "size" }, formatBytes(entry.size)),
      h(
        "time",
        { class: "mtime", datetime: entry.modifiedTime?.toISOString() },
        formatTime(entry.modifiedTime),
      ),
    );
    const li = h(
      "li",
      {
        role: "treeitem",
        // The name a screen reader reads: the file, its format and size, not every cell of the row.
        "aria-label": folder
          ? `${label}, folder`
          : [label, format, formatBytes(entry.size)].filter(Boolean).join(", "),
        "aria-level": level,
        "aria-selected": String(entry.key === this.#selected),
        "aria-expanded": folder ? "false" : undefined,
        tabindex: -1,
        "data-key": entry.key,
        "data-kind": entry.kind,
      },
      row,
    );
    if (folder) li.append(h("ul", { role: "group", hidden: true }));
    row.addEventListener("click", () => this.#activate(li, true));
    (li as HTMLLIElement & { entry?: Entry }).entry = entry;
    return li;
  }

  #activate(li: HTMLLIElement, toggle: boolean): void {
    for (const old of this.el.querySelectorAll('[aria-selected="true"]'))
      old.setAttribute("aria-selected", "false");
    li.setAttribute("aria-selected", "true");
    this.#selected = li.dataset.key;
    this.#focus(li);
    if (toggle && li.dataset.kind === "folder") void this.#toggle(li);
    const entry = (li as HTMLLIElement & { entry?: Entry }).entry;
    if (entry) this.onSelect(entry);
  }

  async #toggle(li: HTMLLIElement): Promise<void> {
    if (li.getAttribute("aria-expanded") === "true") this.#collapse(li);
    else await this.#expand(li);
  }

  async #expand(li: HTMLLIElement): Promise<void> {
    const key = li.dataset.key ?? "";
    const group = li.querySelector<HTMLUListElement>(":scope > ul");
    if (!group) return;
    this.#open.add(key);
    li.setAttribute("aria-expanded", "true");
    li.querySelector(".twisty")?.replaceChildren("▾");
    group.hidden = false;
    replace(group, h("li", { role: "none", class: "empty" }, "Loading…"));
    await this.#fill(group, key, Number(li.getAttribute("aria-level")) + 1);
  }

  #collapse(li: HTMLLIElement): void {
    this.#open.delete(li.dataset.key ?? "");
    li.setAttribute("aria-expanded", "false");
    li.querySelector(".twisty")?.replaceChildren("▸");
    const group = li.querySelector<HTMLUListElement>(":scope > ul");
    if (group) group.hidden = true;
  }

  #visible(): HTMLLIElement[] {
    return [...this.el.querySelectorAll<HTMLLIElement>('[role="treeitem"]')].filter(
      (li) => !li.parentElement?.closest("[hidden]"),
    );
  }

  #find(key: string): HTMLLIElement | undefined {
    return this.#visible().find((li) => li.dataset.key === key);
  }

  #focus(li: HTMLLIElement): void {
    for (const other of this.el.querySelectorAll<HTMLElement>('[tabindex="0"]')) other.tabIndex = -1;
    li.tabIndex = 0;
    li.focus();
  }

  #ensureTabStop(): void {
    const items = this.#visible();
    const current = items.find((li) => li.dataset.key === this.#selected) ?? items[0];
    if (current) current.tabIndex = 0;
  }

  #key(e: KeyboardEvent): void {
    const items = this.#visible();
    const current = (e.target as HTMLElement).closest<HTMLLIElement>('[role="treeitem"]');
    if (!current) return;
    const at = items.indexOf(current);
    const folder = current.dataset.kind === "folder";
    const expanded = current.getAttribute("aria-expanded") === "true";
    const move = (li: HTMLLIElement | undefined) => li && this.#focus(li);
    switch (e.key) {
      case "ArrowDown":
        move(items[at + 1]);
        break;
      case "ArrowUp":
        move(items[at - 1]);
        break;
      case "Home":
        move(items[0]);
        break;
      case "End":
        move(items[items.length - 1]);
        break;
      case "ArrowRight":
        if (folder && !expanded) void this.#expand(current);
        else if (folder) move(items[at + 1]);
        break;
      case "ArrowLeft":
        if (folder && expanded) this.#collapse(current);
        else move(current.parentElement?.closest<HTMLLIElement>('[role="treeitem"]') ?? undefined);
        break;
      case "Enter":
      case " ":
        this.#activate(current, true);
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}
