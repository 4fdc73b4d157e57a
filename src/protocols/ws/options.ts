// The `ws({...})` builder and the validation of its options: plain WebSocket clients of a
// bridge that speaks the JSON protocol of bridge-protocol.ts.

import { type Checker, fieldsOf } from '../../base/check.ts';
import { defaults } from '../../base/defaults.ts';
import type { ProtocolSpec } from '../../base/spec.ts';
import { type ResolvedTls, resolveTls, type TlsOptions } from '../tls.ts';

export interface WsOptions {
  /** Which entry of the scenario's `targets` to use (default 'ws'); without one, the embedded hub. */
  target?: string;
  /** Most publishes per device awaiting their 'published' answer; further sends count as dropped (default 100). */
  inflight?: number;
  /** Extra HTTP headers on the Upgrade request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Offer permessage-deflate (RFC 7692) in the handshake (default false). */
  perMessageDeflate?: boolean;
  /** For wss:// targets with a self-signed certificate: a CA file, or no verification. */
  tls?: TlsOptions;
  /** Device name template: {run} {fleet} {id} (names devices in reports; not sent). */
  clientId?: string;
}

export interface ResolvedWsOptions {
  target: string;
  inflight: number;
  headers: Record<string, string> | undefined;
  perMessageDeflate: boolean;
  /** `ca` is the path as given, `caPem` its contents, read once while validating. */
  tls: ResolvedTls;
  clientId: string;
}

export const WS_DEFAULTS = {
  target: 'ws',
  inflight: 100,
  perMessageDeflate: false,
  clientId: defaults.clientId,
} as const;

const FIELDS = fieldsOf<WsOptions>()(['target', 'inflight', 'headers', 'perMessageDeflate', 'tls', 'clientId']);

/** RFC 7230 §3.2.6: a header name is a token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the WebSocket handshake itself sets (RFC 6455 §4.1); overriding them breaks the upgrade. */
const RESERVED = [
  'host',
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
];

export function ws(options: WsOptions = {}): ProtocolSpec<'ws', WsOptions> {
  return { protocol: 'ws', options };
}

export function resolveWsOptions(raw: unknown, path: string, check: Checker): ResolvedWsOptions | undefined {
  const o = raw === undefined ? {} : check.object(path, raw);
  if (!o) return undefined;
  check.known(path, o, FIELDS);
  const at = (field: string): string => `${path}.${field}`;
  let headers: Record<string, string> | undefined;
  if (o.headers !== undefined) {
    const h = check.object(at('headers'), o.headers);
    if (h) {
      headers = {};
      for (const [name, value] of Object.entries(h)) {
        if (!TOKEN.test(name)) check.note(at(`headers.${name}`), 'is not a valid HTTP header name (RFC 7230 §3.2.6)');
        else if (RESERVED.includes(name.toLowerCase()))
          check.note(
            at(`headers.${name}`),
            'is set by the WebSocket handshake itself (RFC 6455 §4.1) and cannot be overridden',
          );
        else if (typeof value !== 'string' || /[\r\n\0]/.test(value))
          check.fail(at(`headers.${name}`), 'a string without line breaks', value);
        else headers[name] = value;
      }
    }
  }
  const tls = resolveTls(check, at('tls'), o.tls);
  const inflight = check.integer(at('inflight'), o.inflight, 1, 1_000_000, WS_DEFAULTS.inflight);
  const resolved = {
    target: check.string(at('target'), o.target, true) ?? WS_DEFAULTS.target,
    inflight,
    headers,
    perMessageDeflate: check.boolean(at('perMessageDeflate'), o.perMessageDeflate, WS_DEFAULTS.perMessageDeflate),
    tls,
    clientId: check.string(at('clientId'), o.clientId, true) ?? WS_DEFAULTS.clientId,
  };
  return inflight === undefined ? undefined : (resolved as ResolvedWsOptions);
}
