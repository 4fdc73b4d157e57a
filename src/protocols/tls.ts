// The `tls: { ca, cert, key, passphrase, servername, rejectUnauthorized, resume }` option every
// TCP-based protocol accepts (mqtts://, https://, wss://), validated once: files are read and
// parsed while the scenario loads, so a wrong path, an unreadable PEM or a key that does not
// belong to its certificate is a scenario error naming the field, not a failure of every device.

import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Checker } from '../base/check.ts';

export interface TlsOptions {
  /** The CA that signed the server's certificate: a PEM file path, or PEM text. */
  ca?: string;
  /** Mutual TLS: the client certificate (chain), a PEM file path or PEM text; needs `key`. */
  cert?: string;
  /** Mutual TLS: the client certificate's private key, a PEM file path or PEM text; needs `cert`. */
  key?: string;
  /** Passphrase of an encrypted `key`. */
  passphrase?: string;
  /** The server name sent in SNI and checked against the server's certificate (default: the URL's host). */
  servername?: string;
  rejectUnauthorized?: boolean;
  /**
   * Offer the previous connection's TLS session when a device connects again (a sleep session's
   * next report, a reconnect), so the handshake is resumed rather than full (default true).
   */
  resume?: boolean;
}

/** `ca` is the value as given; the `*Pem` fields hold the PEM text, read from a file when a path was given. */
export interface ResolvedTls {
  ca: string | undefined;
  caPem: Buffer | undefined;
  certPem: Buffer | undefined;
  keyPem: Buffer | undefined;
  passphrase: string | undefined;
  servername: string | undefined;
  rejectUnauthorized: boolean;
  resume: boolean;
}

/** What Node's tls.connect (and MQTT.js, ws, https, amqplib on top of it) takes from these options. */
export interface TlsConnectOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  passphrase?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

const FIELDS = ['ca', 'cert', 'key', 'passphrase', 'servername', 'rejectUnauthorized', 'resume'];

/** A value starting with a PEM armour line is PEM text; anything else is a file path. */
function pemOf(check: Checker, path: string, value: string | undefined, what: string): Buffer | undefined {
  if (value === undefined) return undefined;
  if (value.trimStart().startsWith('-----BEGIN')) return Buffer.from(value);
  try {
    return readFileSync(value);
  } catch (err) {
    check.note(
      path,
      `cannot read the ${what} file ${JSON.stringify(value)} (${(err as { code?: string }).code ?? 'error'})`,
    );
    return undefined;
  }
}

function parsed<T>(check: Checker, path: string, what: string, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (err) {
    check.note(path, `is not a readable ${what} (${(err as Error).message})`);
    return undefined;
  }
}

export function resolveTls(check: Checker, path: string, raw: unknown): ResolvedTls {
  const tls: ResolvedTls = {
    ca: undefined,
    caPem: undefined,
    certPem: undefined,
    keyPem: undefined,
    passphrase: undefined,
    servername: undefined,
    rejectUnauthorized: true,
    resume: true,
  };
  if (raw === undefined) return tls;
  const t = check.object(path, raw);
  if (!t) return tls;
  check.known(path, t, FIELDS);
  const at = (f: string): string => `${path}.${f}`;
  tls.ca = check.string(at('ca'), t.ca, true);
  // Read, not parsed: a CA file may be a bundle, and OpenSSL says what it cannot use at connect.
  tls.caPem = pemOf(check, at('ca'), tls.ca, 'CA');
  const cert = check.string(at('cert'), t.cert, true);
  const key = check.string(at('key'), t.key, true);
  tls.passphrase = check.string(at('passphrase'), t.passphrase, true);
  tls.servername = check.string(at('servername'), t.servername, true);
  tls.rejectUnauthorized = check.boolean(at('rejectUnauthorized'), t.rejectUnauthorized, true);
  tls.resume = check.boolean(at('resume'), t.resume, true);
  // A certificate without its key (or the reverse) cannot prove anything to the server.
  if (cert !== undefined && key === undefined)
    check.note(at('key'), 'is required with tls.cert (the private key of the client certificate)');
  if (key !== undefined && cert === undefined)
    check.note(at('cert'), 'is required with tls.key (the client certificate)');
  tls.certPem = pemOf(check, at('cert'), cert, 'certificate');
  tls.keyPem = pemOf(check, at('key'), key, 'key');
  const x509 = tls.certPem
    ? parsed(check, at('cert'), 'PEM certificate', () => new X509Certificate(tls.certPem as Buffer))
    : undefined;
  let keyObject: KeyObject | undefined;
  if (tls.keyPem) {
    const pem = tls.keyPem;
    keyObject = parsed(check, at('key'), 'PEM private key (or the passphrase is wrong)', () =>
      createPrivateKey(tls.passphrase === undefined ? pem : { key: pem, passphrase: tls.passphrase }),
    );
  }
  if (x509 && keyObject && !x509.checkPrivateKey(keyObject))
    check.note(at('key'), 'is not the private key of the certificate in tls.cert');
  return tls;
}

/** The options to hand to tls.connect (directly or through a client library). */
export function tlsConnectOptions(t: ResolvedTls): TlsConnectOptions {
  const o: TlsConnectOptions = { rejectUnauthorized: t.rejectUnauthorized };
  if (t.caPem) o.ca = t.caPem;
  if (t.certPem) o.cert = t.certPem;
  if (t.keyPem) o.key = t.keyPem;
  if (t.passphrase !== undefined) o.passphrase = t.passphrase;
  if (t.servername !== undefined) o.servername = t.servername;
  return o;
}
