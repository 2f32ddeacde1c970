/**
 * Failures of a TLS handshake that another attempt cannot mend: the server's certificate is not
 * trusted, has expired or names another host, or the server does not speak TLS on that port. Retrying
 * them only delays the error (four attempts and their back-off), so the request paths stop at once.
 */

/**
 * The `code` values Node gives certificate failures: OpenSSL's verification errors, as listed in
 * Node's `tls` documentation ("X509 certificate error codes", less `OUT_OF_MEM`), plus Node's own
 * host-name check and the answer of a plain-HTTP port to a TLS hello.
 */
const PERMANENT_TLS_CODES = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_CRL",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CRL_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "CRL_NOT_YET_VALID",
  "CRL_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "ERROR_IN_CRL_LAST_UPDATE_FIELD",
  "ERROR_IN_CRL_NEXT_UPDATE_FIELD",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
]);

/**
 * The code of a TLS failure that no retry can mend, found on the error or on its causes (`fetch`
 * wraps it: `TypeError: fetch failed` with the code on `cause`); undefined for anything else. Browsers
 * do not say why a request failed, so there nothing is found and the failure stays transient.
 */
export function permanentTlsFailure(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === "string" && PERMANENT_TLS_CODES.has(code)) return code;
    // `node:https` reports a plain-HTTP port only in the message of a bare EPROTO.
    if (code === "EPROTO" && typeof message === "string" && message.includes("wrong version number"))
      return "ERR_SSL_WRONG_VERSION_NUMBER";
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
