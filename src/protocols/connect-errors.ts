// What every protocol (and the gateway) says when a connection cannot be made: the URL with its
// password masked, and socket errno names in plain words. Protocol-specific refusals (CONNACK
// reason codes, AMQP reply codes, HTTP statuses) are mapped next to each driver.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { alertRefusal } from './tls-alerts.ts';

const ERRNO_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  ETIMEDOUT: 'timed out',
  EPIPE: 'connection closed by peer',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate (set tls.ca or tls.rejectUnauthorized: false)',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in chain (set tls.ca)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not match the host name (set tls.servername to the name in it)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate is not signed by a trusted CA (set tls.ca)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the server certificate is not signed by a trusted CA (set tls.ca)',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS on this port',
};

/** Any connect failure at `where`: a socket errno in plain words, else the error's own message. */
export function connectFailure(where: string, err: unknown): FleetbenchError {
  return (
    socketConnectError(where, err) ??
    new FleetbenchError(
      ErrorCodes.CONNECT_REFUSED,
      `${where}: cannot connect: ${(err as { message?: string } | undefined)?.message ?? String(err)}`,
      { cause: err },
    )
  );
}

/**
 * A socket-level failure (an errno name in `code`) at `where`, or undefined when it is not one.
 * A TLS alert from the server (a client certificate required or refused) gets its own reason,
 * `tls_<alert>`, instead of OpenSSL's string.
 */
export function socketConnectError(where: string, err: unknown): FleetbenchError | undefined {
  const alert = alertRefusal(where, err);
  if (alert) return alert;
  const e = err as { code?: unknown; message?: string } | undefined;
  if (typeof e?.code !== 'string') return undefined;
  return new FleetbenchError(
    ErrorCodes.CONNECT_REFUSED,
    `${where}: cannot connect: ${ERRNO_WORDS[e.code] ?? e.message ?? e.code} (${e.code})`,
    { reasonCode: e.code, cause: err },
  );
}
