/** JSON, YAML, JSONL and CBOR values as a collapsible tree (native `<details>`: keyboard-ready). */
import { h } from "../dom.js";

const OPEN_DEPTH = 2;
const MAX_CHILDREN = 200;

function scalar(value: unknown): HTMLElement {
  if (value === null) return h("span", { class: "v-null" }, "null");
  if (typeof value === "string") return h("span", { class: "v-string" }, JSON.stringify(value));
  if (typeof value === "bigint") return h("span", { class: "v-number" }, `${value}n`);
  if (typeof value === "number" || typeof value === "boolean")
    return h("span", { class: `v-${typeof value}` }, String(value));
  if (value instanceof Date) return h("span", { class: "v-date" }, value.toISOString());
  if (ArrayBuffer.isView(value))
    return h("span", { class: "v-bytes" }, `${value.constructor.name}(${value.byteLength} bytes)`);
  return h("span", {}, String(value));
}

function children(value: unknown): [string, unknown][] | undefined {
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [String(k), v]);
  if (value instanceof Set) return [...value].map((v, i) => [String(i), v]);
  if (Array.isArray(value)) return value.map((v, i) => [String(i), v]);
  if (typeof value === "object" && value !== null && !(value instanceof Date) && !ArrayBuffer.isView(value)) {
    return Object.entries(value);
  }
  return undefined;
}

function node(name: string | undefined, value: unknown, depth: number): HTMLElement {
  const label = name === undefined ? null : h("span", { class: "k" }, `${name}: `);
  const kids = children(value);
  if (!kids) return h("li", {}, label, scalar(value));
  const array = Array.isArray(value) || value instanceof Set;
  const summary = array ? `[ ${kids.length} items ]` : `{ ${kids.length} keys }`;
  const list = h("ul", {}, ...kids.slice(0, MAX_CHILDREN).map(([k, v]) => node(k, v, depth + 1)));
  if (kids.length > MAX_CHILDREN)
    list.append(h("li", { class: "more" }, `… ${kids.length - MAX_CHILDREN} more`));
  return h(
    "li",
    {},
    h(
      "details",
      { open: depth < OPEN_DEPTH },
      h("summary", {}, label, h("span", { class: "summary" }, summary)),
      list,
    ),
  );
}

/** A collapsible tree of any decoded value. */
export function jsonTree(value: unknown): HTMLElement {
  return h("ul", { class: "json-tree", "aria-label": "Value" }, node(undefined, value, 0));
}
