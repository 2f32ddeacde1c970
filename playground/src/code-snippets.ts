/** The autostore-js code beside each action, with a copy button. */
import { h } from "./dom.js";

/** A code block that can be copied. `update` replaces its text. */
export interface Snippet {
  el: HTMLElement;
  update(code: string): void;
}

/** A `<pre>` of TypeScript with a "Copy" button. */
export function snippet(code: string, label = "autostore-js code"): Snippet {
  const codeEl = h("code", { class: "language-ts" }, code);
  const status = h("span", { class: "copy-status", role: "status" });
  const button = h(
    "button",
    {
      type: "button",
      class: "copy",
      "aria-label": `Copy ${label}`,
      onclick: () => {
        navigator.clipboard.writeText(codeEl.textContent ?? "").then(
          () => {
            status.textContent = "Copied";
          },
          () => {
            // Clipboard access can be refused (an insecure context, a denied permission): select
            // the code so a person can copy it by hand.
            const range = document.createRange();
            range.selectNodeContents(codeEl);
            getSelection()?.removeAllRanges();
            getSelection()?.addRange(range);
            status.textContent = "Selected: press Ctrl+C";
          },
        );
      },
    },
    "Copy",
  );
  const el = h(
    "div",
    { class: "snippet" },
    h("pre", {}, codeEl),
    h("div", { class: "snippet-bar" }, button, status),
  );
  return {
    el,
    update(next) {
      codeEl.textContent = next;
      status.textContent = "";
    },
  };
}

/** A string as a TypeScript literal. */
export const lit = (s: string): string => JSON.stringify(s);
