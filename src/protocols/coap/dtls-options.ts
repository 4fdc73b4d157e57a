// The `dtls: { identity, key }` option of coap(): pre-shared key credentials for coaps://
// targets (RFC 7252 §9.1.3.1 PSK mode), validated when the scenario loads and rendered per
// device ({id}, {fleet}, {run} in the identity and the key), so each device can have its own.
import type { Checker } from '../../base/check.ts';
import { ErrorCodes, FleetbenchError } from '../../base/errors.ts';
import { renderTopic } from '../topics.ts';

export interface CoapDtlsOptions {
  /** PSK identity sent in the handshake (template: {id} {fleet} {run}; default: the device's clientId). */
  identity?: string;
  /** The pre-shared key as text (its UTF-8 bytes; template: {id} {fleet} {run}). */
  key?: string;
  /** The pre-shared key as hex digits, for binary keys (instead of `key`). */
  keyHex?: string;
}

export interface ResolvedDtls {
  /** undefined: the device's clientId. */
  identity: string | undefined;
  key: string;
  encoding: 'utf8' | 'hex';
}

/** RFC 4279 §5.3: PSK identities are up to 2^16 − 1 bytes, keys up to 2^16 − 1 bytes; OpenSSL takes keys up to 256 bytes. */
const MAX_KEY_BYTES = 256;

export function resolveDtls(check: Checker, path: string, raw: unknown): ResolvedDtls | undefined {
  if (raw === undefined) return undefined;
  const o = check.object(path, raw);
  if (!o) return undefined;
  check.known(path, o, ['identity', 'key', 'keyHex']);
  const identity = check.string(`${path}.identity`, o.identity, true);
  const key = check.string(`${path}.key`, o.key, true);
  const keyHex = check.string(`${path}.keyHex`, o.keyHex, true);
  if ((key === undefined) === (keyHex === undefined)) {
    check.note(path, 'needs the pre-shared key: exactly one of key (text) or keyHex (hex digits)');
    return undefined;
  }
  if (keyHex !== undefined && !/^(?:[0-9a-fA-F]{2})+$/.test(keyHex)) {
    check.fail(`${path}.keyHex`, 'an even number of hex digits', keyHex);
    return undefined;
  }
  const bytes = key !== undefined ? Buffer.byteLength(key) : (keyHex as string).length / 2;
  if (bytes === 0 || bytes > MAX_KEY_BYTES) {
    check.note(`${path}.${key !== undefined ? 'key' : 'keyHex'}`, `must be 1 to ${MAX_KEY_BYTES} bytes, got ${bytes}`);
    return undefined;
  }
  return key !== undefined ? { identity, key, encoding: 'utf8' } : { identity, key: keyHex as string, encoding: 'hex' };
}

/** One device's identity and key. */
export function credentialsFor(
  d: ResolvedDtls,
  device: { clientId: string; index: number; fleet?: string; runId?: string },
): { identity: string; key: Buffer } {
  const render = (t: string): string =>
    renderTopic(t, device.fleet ?? '{fleet}', device.index, device.runId ?? '{run}');
  return {
    identity: d.identity === undefined ? device.clientId : render(d.identity),
    key: d.encoding === 'hex' ? Buffer.from(d.key, 'hex') : Buffer.from(render(d.key)),
  };
}

/** coaps:// needs credentials, and only coaps:// uses them: a mismatch is a setup error, said before any traffic. */
export function dtlsMismatch(url: string, dtls: ResolvedDtls | undefined, where: string): FleetbenchError | undefined {
  const secure = url.toLowerCase().startsWith('coaps:');
  if (secure && !dtls)
    return new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `${where}: coaps:// needs pre-shared key credentials: coap({ dtls: { identity, key } })`,
      { reasonCode: 'dtls_no_credentials' },
    );
  if (!secure && dtls)
    return new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `${where}: protocol.dtls is set but the target is not coaps:// (DTLS runs only on coaps:// targets)`,
      { reasonCode: 'dtls_not_coaps' },
    );
  return undefined;
}
