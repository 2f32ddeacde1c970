/** Images on a canvas, text as text, bytes as a hex view. */
import type { RasterImage } from "autostore-js";
import { h } from "../dom.js";

/** Draws a decoded image at its natural size. */
export function imageView(img: RasterImage): HTMLElement {
  const canvas = h("canvas", {
    class: "image",
    width: img.width,
    height: img.height,
    role: "img",
    "aria-label": `Image, ${img.width} × ${img.height} pixels`,
  });
  const ctx = canvas.getContext("2d");
  ctx?.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
  return h(
    "figure",
    {},
    canvas,
    h("figcaption", { class: "image-size" }, `${img.width} × ${img.height} px, RGBA`),
  );
}

/** Text and Markdown, as written. */
export function textView(text: string): HTMLElement {
  return h("pre", { class: "text" }, text);
}

const HEX_BYTES = 1024;

/** A hex dump of the first KiB: offset, 16 bytes, their printable characters. */
export function hexView(bytes: Uint8Array): HTMLElement {
  const lines: string[] = [];
  const shown = bytes.subarray(0, HEX_BYTES);
  for (let at = 0; at < shown.length; at += 16) {
    const row = shown.subarray(at, at + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const text = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${at.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${text}`);
  }
  if (bytes.length > HEX_BYTES) lines.push(`… ${bytes.length - HEX_BYTES} more bytes`);
  return h("pre", { class: "hex", "aria-label": "Bytes in hexadecimal" }, lines.join("\n"));
}
