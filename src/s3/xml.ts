/**
 * The little XML S3 speaks, read without a DOM: edge runtimes have no `DOMParser`. S3's responses are
 * flat, machine-written documents without attributes that matter, CDATA or comments, so finding
 * elements by name and decoding entities is all it takes. Not a general XML parser.
 */

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes the five named entities and numeric character references. */
export function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code =
        name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Escapes text for an element's content. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`,
  );
}

/** The raw contents of every `<name>…</name>` element (not nested in one of the same name). */
export function elements(xml: string, name: string): string[] {
  const out: string[] = [];
  const open = new RegExp(`<${name}(?:\\s[^>]*)?>`, "g");
  const close = `</${name}>`;
  for (;;) {
    const match = open.exec(xml);
    if (!match) return out;
    const start = match.index + match[0].length;
    const end = xml.indexOf(close, start);
    if (end === -1) return out;
    out.push(xml.slice(start, end));
    open.lastIndex = end + close.length;
  }
}

/** The decoded text of the first `<name>` element, or undefined. */
export function text(xml: string, name: string): string | undefined {
  const [first] = elements(xml, name);
  return first === undefined ? undefined : decodeXml(first);
}
