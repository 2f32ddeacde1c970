import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { AutoStore, ConfigError, isAutoStoreError, Options, S3Options } from "../../src/node/index.js";

function configErrorOf(make: () => unknown): ConfigError {
  try {
    make();
  } catch (err) {
    if (isAutoStoreError(err, "CONFIG_ERROR")) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("Options", () => {
  it("has the documented defaults", () => {
    const options = new Options();
    expect(options.cacheEnabled).toBe(false);
    expect(options.cacheExpiryHours).toBe(24);
    expect(options.timeout).toBe(30);
    expect(options.maxRetries).toBe(3);
    expect(options.retryDelay).toBe(1);
    const s3 = new S3Options();
    expect(s3.scheme).toBe("s3");
    expect(s3.multipartThreshold).toBe(64 * 1024 * 1024);
    expect(s3.multipartChunkSize).toBe(16 * 1024 * 1024);
    expect(s3.maxConcurrency).toBe(10);
  });

  it.each([
    [{ cacheEnabled: "yes" }, "cacheEnabled", /true or false/],
    [{ cacheExpiryHours: -1 }, "cacheExpiryHours", /at least 0/],
    [{ timeout: 0 }, "timeout", /at least/],
    [{ maxRetries: 1.5 }, "maxRetries", /whole number/],
    [{ retryDelay: Number.NaN }, "retryDelay", /number/],
    [{ cacheMaxBytes: 0 }, "cacheMaxBytes", /at least 1/],
    [{ logger: { info() {} } }, "logger", /debug, info and warn/],
    [{ scheme: "Not A Scheme" }, "scheme", /lower-case/],
  ])("rejects %o naming the field", (init, field, message) => {
    const err = configErrorOf(() => new Options(init as never));
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
    expect(err).toBeInstanceOf(ConfigError);
  });

  it("rejects unknown fields and suggests the intended one", () => {
    const err = configErrorOf(() => new Options({ cacheEnabeld: true } as never));
    expect(err.field).toBe("cacheEnabeld");
    expect(err.message).toContain("did you mean 'cacheEnabled'");
  });

  it("enforces S3's 5 MiB part minimum", () => {
    const err = configErrorOf(() => new S3Options({ multipartChunkSize: 1024 }));
    expect(err.field).toBe("multipartChunkSize");
  });

  it("never shows secrets, not even in validation errors", () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const options = new S3Options({
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: secret,
      sessionToken: "tok-123456",
    });
    expect(options.secretAccessKey).toBe(secret);
    for (const shown of [
      String(options),
      JSON.stringify(options),
      inspect(options),
      inspect(options, { showHidden: true, depth: 5 }),
      JSON.stringify({ ...options }),
    ]) {
      expect(shown).not.toContain(secret);
      expect(shown).not.toContain("tok-123456");
    }
    expect(JSON.stringify(options)).toContain("AKIDEXAMPLE");
    const err = configErrorOf(() => new S3Options({ secretAccessKey: 42 as never }));
    expect(err.message).not.toContain("42");
    const store = new AutoStore("memory://secrets", { options });
    expect(inspect(store)).not.toContain(secret);
    expect(String(store)).not.toContain(secret);
  });

  it("copies with overrides and validates them", () => {
    const base = new S3Options({ scheme: "minio", region: "eu-west-1" });
    const changed = base.with({ cacheEnabled: true });
    expect(changed).toBeInstanceOf(S3Options);
    expect(changed.region).toBe("eu-west-1");
    expect(changed.cacheEnabled).toBe(true);
    expect(base.cacheEnabled).toBe(false);
    expect(() => base.with({ region: 3 })).toThrow(ConfigError);
  });
});

describe("AutoStore configuration", () => {
  it("takes plain fields, an options object, or both (the fields win)", () => {
    const plain = new AutoStore("memory://cfg-a", { cacheEnabled: true, cacheExpiryHours: 6 });
    expect(plain.optionsFor().cacheEnabled).toBe(true);
    expect(plain.optionsFor().cacheExpiryHours).toBe(6);
    const viaOptions = new AutoStore("memory://cfg-b", {
      options: new Options({ scheme: "memory", timeout: 5 }),
    });
    expect(viaOptions.optionsFor().timeout).toBe(5);
    const mixed = new AutoStore("memory://cfg-c", {
      options: new Options({ scheme: "memory", timeout: 5, maxRetries: 1 }),
      timeout: 9,
    });
    expect(mixed.optionsFor().timeout).toBe(9);
    expect(mixed.optionsFor().maxRetries).toBe(1);
  });

  it("rejects unknown plain fields and bad options with ConfigError", () => {
    expect(configErrorOf(() => new AutoStore("memory://x", { cacheEnabeld: true } as never)).field).toBe(
      "cacheEnabeld",
    );
    expect(
      configErrorOf(() => new AutoStore("memory://x", { options: { cacheEnabled: true } as never })).field,
    ).toBe("options");
    expect(configErrorOf(() => new AutoStore("nosuch://bucket/")).message).toMatch(
      /no backend for scheme 'nosuch:\/\//,
    );
    expect(configErrorOf(() => new AutoStore("")).message).toMatch(/root/);
  });
});
