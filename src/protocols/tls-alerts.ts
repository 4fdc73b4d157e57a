// TLS and DTLS alerts in words: a server that refuses a handshake sends an alert (RFC 8446 §6,
// RFC 5246 §7.2, used as-is by DTLS 1.2, RFC 6347 §4.1), which OpenSSL surfaces as
// `ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED` and node-dtls-client as "received fatal alert:
// handshake_failure". Both become a reason code `tls_<alert>` (or `dtls_<alert>`) and a sentence
// saying what to change, so a refused client certificate reads as one.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';

/** Alert descriptions by name: the number on the wire and what a user should check. */
const ALERTS: Record<string, { code: number; hint?: string }> = {
  unexpected_message: { code: 10 },
  bad_record_mac: { code: 20, hint: 'the keys do not match (a wrong pre-shared key?)' },
  record_overflow: { code: 22 },
  handshake_failure: {
    code: 40,
    hint: 'no common cipher suite, a missing client certificate, or (DTLS PSK) an unknown identity or wrong key',
  },
  bad_certificate: { code: 42, hint: 'the server rejected the client certificate (tls.cert)' },
  unsupported_certificate: { code: 43, hint: 'the server does not accept this kind of client certificate' },
  certificate_revoked: { code: 44, hint: 'the client certificate was revoked' },
  certificate_expired: { code: 45, hint: 'the client certificate has expired' },
  certificate_unknown: { code: 46, hint: 'the server could not accept the client certificate' },
  illegal_parameter: { code: 47 },
  unknown_ca: { code: 48, hint: 'the client certificate (tls.cert) is not signed by a CA the server trusts' },
  access_denied: { code: 49, hint: 'the server accepted the certificate or identity but denies access' },
  decode_error: { code: 50 },
  decrypt_error: { code: 51, hint: 'a handshake signature or Finished did not verify (a wrong key?)' },
  protocol_version: { code: 70, hint: 'no TLS version both sides support' },
  insufficient_security: { code: 71, hint: 'the server wants stronger cipher suites' },
  internal_error: { code: 80 },
  user_canceled: { code: 90 },
  no_renegotiation: { code: 100 },
  missing_extension: { code: 109 },
  unsupported_extension: { code: 110 },
  unrecognized_name: { code: 112, hint: 'the server does not know the name sent in SNI (tls.servername)' },
  unknown_psk_identity: { code: 115, hint: 'the server does not know this PSK identity' },
  certificate_required: {
    code: 116,
    hint: 'the server requires a client certificate: set tls.cert and tls.key',
  },
  no_application_protocol: { code: 120 },
};

/** The alert name in an OpenSSL error code or a node-dtls-client message, when the error is a received alert. */
export function alertOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string') {
    const m = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/.exec(e.code);
    if (m) return (m[1] as string).toLowerCase();
  }
  if (typeof e?.message === 'string') {
    const m = /(?:fatal alert:?|alert) ([a-z_]+)/i.exec(e.message);
    if (m && (m[1] as string).toLowerCase() in ALERTS) return (m[1] as string).toLowerCase();
  }
  return undefined;
}

/**
 * A handshake the server ended with an alert, as a FleetbenchError with reason `<layer>_<alert>`
 * (`tls_certificate_required`, `dtls_handshake_failure`), or undefined when `err` is no alert.
 */
export function alertRefusal(where: string, err: unknown, layer: 'tls' | 'dtls' = 'tls'): FleetbenchError | undefined {
  const name = alertOf(err);
  if (name === undefined) return undefined;
  const a = ALERTS[name];
  const words = name.replaceAll('_', ' ');
  const number = a ? ` ${a.code}` : '';
  return new FleetbenchError(
    ErrorCodes.CONNECT_REJECTED,
    `${where}: the server refused the ${layer.toUpperCase()} handshake: alert${number} ${words}${a?.hint ? ` (${a.hint})` : ''}`,
    { reasonCode: `${layer}_${name}`, cause: err },
  );
}
