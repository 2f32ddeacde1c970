/** Errors as the page shows them: class, code and message, as a person would search for them. */
import { isAutoStoreError } from "autostore-js";
import { h } from "./dom.js";

/** The class name, code and message of anything thrown. */
export function describeError(err: unknown): { name: string; code?: string; message: string } {
  if (isAutoStoreError(err)) return { name: err.name, code: err.code, message: err.message };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: "Error", message: String(err) };
}

/** An alert box with the error's class, code and message. */
export function errorView(err: unknown, doing?: string): HTMLElement {
  const { name, code, message } = describeError(err);
  return h(
    "div",
    { class: "error", role: "alert" },
    doing ? h("div", { class: "error-doing" }, doing) : null,
    h("strong", { class: "error-class" }, name),
    code ? h("code", { class: "error-code" }, code) : null,
    h("p", { class: "error-message" }, message),
  );
}
