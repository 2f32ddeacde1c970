/**
 * The fetch request path signs its own requests. s3rver checks no signatures, so these tests hold our
 * SigV4 signer to the AWS SDK's own (`@smithy/signature-v4`) on the same requests and clock.
 */
import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { encodeKeyPath, SigV4Signer, UNSIGNED_PAYLOAD } from "../../src/s3/sigv4.js";
import { decodeXml, elements, escapeXml, text } from "../../src/s3/xml.js";

class NodeSha256 {
  readonly #hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | Uint8Array) {
    this.#hash = secret === undefined ? createHash("sha256") : createHmac("sha256", secret);
  }
  update(data: string | Uint8Array): void {
    this.#hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {}
}

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const withToken = { ...credentials, sessionToken: "FwoGZXIvYXdzEBYaD+token/with=chars" };
const when = new Date("2026-03-04T05:06:07.000Z");

function reference(creds: typeof credentials & { sessionToken?: string }, region = "eu-west-1") {
  return new SignatureV4({
    service: "s3",
    region,
    credentials: creds,
    sha256: NodeSha256 as never,
    uriEscapePath: false,
    applyChecksum: false,
  });
}

function toSmithy(url: URL, method: string, headers: Record<string, string>) {
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, name) => {
    query[name] = value;
  });
  return {
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query,
    headers: { ...headers, host: url.host },
  };
}

describe("SigV4 signer", () => {
  const cases: Array<[string, string, string, Record<string, string>]> = [
    ["GET", "https://bucket.s3.eu-west-1.amazonaws.com/", "a/b.json", { range: "bytes=0-99" }],
    [
      "PUT",
      "http://127.0.0.1:9000/bucket/",
      "sp ace/ünï/p+=&$,;:@#?'().txt",
      { "content-type": "text/plain" },
    ],
    ["GET", "https://s3.eu-west-1.amazonaws.com/bucket", "", {}],
    [
      "PUT",
      "https://s3.eu-west-1.amazonaws.com/bucket/",
      "to.json",
      { "x-amz-copy-source": "bucket/from%20x.json", "x-amz-copy-source-if-match": '"abc"' },
    ],
  ];
  for (const [method, base, key, headers] of cases) {
    it(`signs ${method} ${key || "(listing)"} as the AWS SDK does`, async () => {
      for (const creds of [credentials, withToken]) {
        const url = new URL(base.replace(/\/?$/, "/") + encodeKeyPath(key));
        if (key === "") {
          url.searchParams.set("list-type", "2");
          url.searchParams.set("prefix", "a b/ü+");
          url.searchParams.set("continuation-token", "1/ab+cd==");
        }
        const ours = await new SigV4Signer({ region: "eu-west-1", credentials: async () => creds }).sign(
          { method, url, headers },
          when,
        );
        const theirs = await reference(creds).sign(
          toSmithy(url, method, { ...headers, "x-amz-content-sha256": UNSIGNED_PAYLOAD }) as never,
          { signingDate: when },
        );
        const theirHeaders = (theirs as unknown as { headers: Record<string, string> }).headers;
        expect(ours.authorization).toBe(theirHeaders.authorization);
        expect(ours["x-amz-date"]).toBe(theirHeaders["x-amz-date"]);
        expect(ours["x-amz-security-token"]).toBe(theirHeaders["x-amz-security-token"]);
      }
    });
  }

  it("presigns URLs as the AWS SDK does", async () => {
    for (const creds of [credentials, withToken]) {
      const url = new URL(`http://127.0.0.1:9000/bucket/${encodeKeyPath("dir/a b+c.json")}`);
      const ours = new URL(
        await new SigV4Signer({ region: "us-east-1", credentials: async () => creds }).presign(
          "GET",
          url,
          900,
          when,
        ),
      );
      // As S3 documents query authentication: the payload is UNSIGNED-PAYLOAD, and only host is signed.
      const theirs = (await reference(creds, "us-east-1").presign(
        toSmithy(url, "GET", { "x-amz-content-sha256": UNSIGNED_PAYLOAD }) as never,
        {
          expiresIn: 900,
          signingDate: when,
          unhoistableHeaders: new Set(["x-amz-content-sha256"]),
          unsignableHeaders: new Set(["x-amz-content-sha256"]),
        },
      )) as { query: Record<string, string> };
      expect(ours.searchParams.get("X-Amz-Signature")).toBe(theirs.query["X-Amz-Signature"]);
      expect(ours.searchParams.get("X-Amz-Credential")).toBe(theirs.query["X-Amz-Credential"]);
      expect(ours.pathname).toBe(url.pathname);
    }
  });

  it("never puts the secret in what it returns", async () => {
    const url = new URL("https://bucket.s3.us-east-1.amazonaws.com/k.json");
    const signer = new SigV4Signer({ region: "us-east-1", credentials: async () => credentials });
    const headers = await signer.sign({ method: "GET", url, headers: {} });
    const presigned = await signer.presign("GET", url, 60);
    for (const shown of [JSON.stringify(headers), presigned, JSON.stringify(signer), String(signer)]) {
      expect(shown).not.toContain(credentials.secretAccessKey);
    }
  });
});

describe("S3 XML reader", () => {
  it("finds elements and decodes entities", () => {
    const xml = `<?xml version="1.0"?><ListBucketResult><Prefix>p/</Prefix><KeyCount>2</KeyCount>
      <Contents><Key>a&amp;b &lt;c&gt; &#233;&#x1F600;.json</Key><Size>3</Size><ETag>&quot;e1&quot;</ETag></Contents>
      <Contents><Key>z.txt</Key><Size>0</Size></Contents>
      <CommonPrefixes><Prefix>p/sub/</Prefix></CommonPrefixes></ListBucketResult>`;
    const contents = elements(xml, "Contents");
    expect(contents).toHaveLength(2);
    expect(text(contents[0] as string, "Key")).toBe("a&b <c> é😀.json");
    expect(text(contents[0] as string, "ETag")).toBe('"e1"');
    expect(text(xml, "Key")).toBe("a&b <c> é😀.json");
    expect(text(xml, "KeyCount")).toBe("2");
    expect(elements(elements(xml, "CommonPrefixes")[0] as string, "Prefix").map(decodeXml)).toEqual([
      "p/sub/",
    ]);
    expect(decodeXml(escapeXml(`<a href="x">'&'</a>`))).toBe(`<a href="x">'&'</a>`);
  });
});
