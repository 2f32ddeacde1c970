/** SigV4's hashes over `node:crypto`, for both Node request paths. */
import { createHash, createHmac } from "node:crypto";
import type { SigV4Crypto } from "../s3/sigv4.js";

/** SigV4's hashes over `node:crypto`: synchronous, where `crypto.subtle` goes through promises. */
export const nodeCrypto: SigV4Crypto = {
  hmac: (key, data) => createHmac("sha256", key).update(data).digest(),
  sha256Hex: (data) => createHash("sha256").update(data).digest("hex"),
  // A raw key measures faster here than a cached KeyObject (Node 20).
  hmacHex: (key, data) => createHmac("sha256", key).update(data).digest("hex"),
};
