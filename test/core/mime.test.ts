/**
 * Content types: the small table the browser build starts with answers exactly what the full
 * standard table answers, and any other extension gets its type from the full table, loaded lazily.
 */
import fc from "fast-check";
import mime from "mime/lite";
import { describe, expect, it } from "vitest";
import { COMMON, contentTypeFor, FALLBACK, OVERRIDES } from "../../src/core/mime.js";
import { contentTypeForSync } from "../../src/core/mime-table.js";

describe("contentTypeFor", () => {
  it("knows by heart only what the full table says", () => {
    for (const [ext, type] of Object.entries(COMMON)) expect([ext, mime.getType(ext)]).toEqual([ext, type]);
  });

  it("gives data formats their own types, over the standard table", async () => {
    await expect(contentTypeFor("t/events.parquet")).resolves.toBe("application/vnd.apache.parquet");
    await expect(contentTypeFor("a.YAML")).resolves.toBe("application/yaml");
    await expect(contentTypeFor("a.json")).resolves.toBe("application/json");
  });

  it("loads the full table for other extensions", async () => {
    await expect(contentTypeFor("clip.mp4")).resolves.toBe("video/mp4");
    await expect(contentTypeFor("shape.geojson")).resolves.toBe("application/geo+json");
    await expect(contentTypeFor("x.unknownext")).resolves.toBe(FALLBACK);
  });

  it("falls back when the name has no extension", async () => {
    await expect(contentTypeFor("folder.d/readme")).resolves.toBe(FALLBACK);
    await expect(contentTypeFor("plain")).resolves.toBe(FALLBACK);
  });

  it("answers as the synchronous full lookup does, for any key", async () => {
    const extensions = [
      ...Object.keys(COMMON),
      ...Object.keys(OVERRIDES),
      "mp4",
      "tar",
      "toml",
      "wav",
      "nope",
      "",
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[a-z0-9/._-]{0,12}$/),
        fc.constantFrom(...extensions),
        fc.boolean(),
        async (stem, ext, upper) => {
          const key = `${stem}.${upper ? ext.toUpperCase() : ext}`;
          expect(await contentTypeFor(key)).toBe(contentTypeForSync(key));
        },
      ),
    );
  });
});
