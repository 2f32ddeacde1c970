import { describe, expect, it } from "vitest";
import { credentialsProvider, REFRESH_WINDOW_MS } from "../../src/s3/credentials.js";
import type { S3Credentials } from "../../src/s3/options.js";

const KEYS = { accessKeyId: "AKID", secretAccessKey: "secret" };

describe("credentials of the fetch request path", () => {
  it("asks a provider once when its answer does not expire, and shares one call among concurrent requests", async () => {
    let calls = 0;
    const get = credentialsProvider(async () => {
      calls++;
      return KEYS;
    });
    await Promise.all([get(), get(), get()]);
    await get();
    expect(calls).toBe(1);
  });

  it("asks again once the answer is within the refresh window of its expiration", async () => {
    let clock = 1_000_000;
    let calls = 0;
    const get = credentialsProvider(
      async (): Promise<S3Credentials> => ({
        ...KEYS,
        accessKeyId: `AKID${++calls}`,
        expiration: new Date(clock + REFRESH_WINDOW_MS + 60_000),
      }),
      () => clock,
    );
    expect((await get()).accessKeyId).toBe("AKID1");
    clock += 30_000;
    expect((await get()).accessKeyId).toBe("AKID1");
    clock += 31_000;
    expect((await get()).accessKeyId).toBe("AKID2");
  });

  it("does not keep a failure, and refuses an answer without keys", async () => {
    let calls = 0;
    const get = credentialsProvider(async () => {
      calls++;
      if (calls === 1) throw new Error("token service down");
      if (calls === 2) return {} as S3Credentials;
      return KEYS;
    });
    await expect(get()).rejects.toThrow("token service down");
    await expect(get()).rejects.toMatchObject({ name: "CredentialsProviderError" });
    expect(await get()).toEqual(KEYS);
  });

  it("takes an expiration given as a string (JSON from a credentials endpoint) as a date", async () => {
    let calls = 0;
    const get = credentialsProvider(async () => {
      calls++;
      return JSON.parse(JSON.stringify({ ...KEYS, expiration: new Date(Date.now() + 3_600_000) }));
    });
    expect((await get()).expiration).toBeInstanceOf(Date);
    await get();
    expect(calls).toBe(1);
  });

  it("without credentials, fails as having none", async () => {
    await expect(credentialsProvider(undefined)()).rejects.toMatchObject({
      name: "CredentialsProviderError",
    });
  });
});
