/**
 * The little XML S3 speaks, read without a DOM: edge runtimes have no `DOMParser`. S3's responses are
 * flat, machine-written documents without attributes that matter, CDATA or comments, so finding
 * elements by name and decoding entities is all it takes. Not a general XML parser.
 */

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes the five named entities and numeric character references. */
export function decodeXml(text: string): string {
  if (!text.includes("&")) return text;
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

// One pattern per element name, made once (a listing asks for four names per entry).
const openers = new Map<string, RegExp>();

/** Whether some `<name …>` tag in `xml` has attributes (then tags are found by a pattern). */
function hasAttributes(xml: string, name: string): boolean {
  return xml.includes(`<${name} `) || xml.includes(`<${name}\n`) || xml.includes(`<${name}\t`);
}

/** Where the next `<name>` (or, with `attributes`, `<name attr…>`) tag at or after `from` starts and ends. */
function openTag(
  xml: string,
  name: string,
  from: number,
  attributes: boolean,
): { start: number; end: number } {
  if (!attributes) {
    // The common case, bare tags, by indexOf.
    const bare = xml.indexOf(`<${name}>`, from);
    return bare === -1 ? { start: -1, end: -1 } : { start: bare, end: bare + name.length + 2 };
  }
  let open = openers.get(name);
  if (open === undefined) {
    open = new RegExp(`<${name}(?:\\s[^>]*)?>`, "g");
    openers.set(name, open);
  }
  open.lastIndex = from;
  const match = open.exec(xml);
  return match ? { start: match.index, end: match.index + match[0].length } : { start: -1, end: -1 };
}

/** The raw contents of every `<name>…</name>` element (not nested in one of the same name). */
export function elements(xml: string, name: string): string[] {
  const out: string[] = [];
  const close = `</${name}>`;
  const attributes = hasAttributes(xml, name);
  for (let from = 0; ; ) {
    const tag = openTag(xml, name, from, attributes);
    if (tag.start === -1) return out;
    const end = xml.indexOf(close, tag.end);
    if (end === -1) return out;
    out.push(xml.slice(tag.end, end));
    from = end + close.length;
  }
}

/** The decoded text of the first `<name>` element, or undefined. */
export function text(xml: string, name: string): string | undefined {
  const tag = openTag(xml, name, 0, hasAttributes(xml, name));
  if (tag.start === -1) return undefined;
  const end = xml.indexOf(`</${name}>`, tag.end);
  return end === -1 ? undefined : decodeXml(xml.slice(tag.end, end));
}
