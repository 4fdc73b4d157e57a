// The `http({...})` builder and the validation of its options (HTTP/1.1, RFC 9110 / RFC 9112).
import { type Checker, fieldsOf } from '../../base/check.ts';
import type { ProtocolSpec } from '../../base/spec.ts';
import type { Duration } from '../../base/units.ts';
import { type ResolvedTls, resolveTls, type TlsOptions } from '../tls.ts';

export type HttpMethod = 'POST' | 'PUT';

export interface HttpOptions {
  /** Request method of every send (default 'POST'). */
  method?: HttpMethod;
  /**
   * One persistent connection per device, reused for every request (default true, RFC 9112 §9.3).
   * false: a new connection per request, sent with `Connection: close` (§9.6).
   */
  keepAlive?: boolean;
  /** Extra request headers. Host, Content-Length, Transfer-Encoding and Connection are fleetbench's. */
  headers?: Record<string, string>;
  /** Content-Type of request bodies (default 'application/octet-stream'). */
  contentType?: string;
  /** Requests outstanding per device (default 1); further sends count as dropped. Above 1 with keepAlive, requests are pipelined (§9.3.2). */
  inflight?: number;
  /** How long a request may wait for its complete response (default '10s'); then it counts as a timeout and its connection is closed. */
  timeout?: Duration;
  /** Receivers (`listen`): the status answered to every request (default 204). */
  status?: number;
  /** Receivers: each device is an HTTP server on host:port+i (a webhook endpoint). */
  listen?: { port: number; host?: string };
  /** For https:// targets with a self-signed certificate. */
  tls?: TlsOptions;
  /** Which entry of the scenario's `targets` to use (default 'http'). */
  target?: string;
}

export interface ResolvedHttpOptions {
  method: HttpMethod;
  keepAlive: boolean;
  /** Validated header lines, in the order given. */
  headers: [name: string, value: string][];
  contentType: string;
  inflight: number;
  timeoutMs: number;
  status: number;
  listen: { port: number; host: string } | undefined;
  /** `ca` is the path as given, `caPem` its contents, read once while validating. */
  tls: ResolvedTls;
  target: string;
}

export const HTTP_DEFAULTS = {
  method: 'POST',
  keepAlive: true,
  contentType: 'application/octet-stream',
  inflight: 1,
  timeoutMs: 10_000,
  status: 204,
  listenHost: '127.0.0.1',
  target: 'http',
} as const;

const FIELDS = fieldsOf<HttpOptions>()([
  'method',
  'keepAlive',
  'headers',
  'contentType',
  'inflight',
  'timeout',
  'status',
  'listen',
  'tls',
  'target',
]);
/** RFC 9110 §5.1: a field name is a token; §5.6.2 tchar. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9110 §5.5: field values carry no CR, LF or NUL (obs-fold is not sent). */
const FIELD_VALUE = /^[^\r\n\0]*$/;
/** Header fields fleetbench writes itself: the framing and connection handling depend on them. */
const RESERVED = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'content-type',
  'te',
  'upgrade',
  'expect',
];

export function http(options: HttpOptions = {}): ProtocolSpec<'http', HttpOptions> {
  return { protocol: 'http', options };
}

export function resolveHttpOptions(raw: unknown, path: string, check: Checker): ResolvedHttpOptions | undefined {
  const o = raw === undefined ? {} : check.object(path, raw);
  if (!o) return undefined;
  const before = check.problems.length;
  check.known(path, o, FIELDS);
  const at = (field: string): string => `${path}.${field}`;
  const headers: [string, string][] = [];
  if (o.headers !== undefined) {
    const h = check.object(at('headers'), o.headers);
    for (const [name, value] of Object.entries(h ?? {})) {
      if (!TOKEN.test(name))
        check.fail(at(`headers.${name}`), 'a header name made of token characters (RFC 9110 §5.1)', name);
      else if (name.toLowerCase() === 'content-type')
        check.note(at(`headers.${name}`), 'set the content type with contentType');
      else if (RESERVED.includes(name.toLowerCase()))
        check.note(
          at(`headers.${name}`),
          `is written by fleetbench (request framing and connection handling); remove it`,
        );
      else if (typeof value !== 'string' || !FIELD_VALUE.test(value))
        check.fail(at(`headers.${name}`), 'a string without CR or LF', value);
      else headers.push([name, value]);
    }
  }
  const contentType =
    o.contentType === undefined ? HTTP_DEFAULTS.contentType : check.string(at('contentType'), o.contentType);
  if (contentType !== undefined && !FIELD_VALUE.test(contentType))
    check.fail(at('contentType'), 'a media type without CR or LF', contentType);
  let listen: ResolvedHttpOptions['listen'];
  if (o.listen !== undefined) {
    const l = check.object(at('listen'), o.listen);
    if (l) {
      check.known(at('listen'), l, ['port', 'host']);
      const port = check.integer(at('listen.port'), l.port, 1, 65535);
      const host = check.string(at('listen.host'), l.host, true) ?? HTTP_DEFAULTS.listenHost;
      if (port !== undefined) listen = { port, host };
    }
  }
  const tls = resolveTls(check, at('tls'), o.tls);
  const resolved = {
    method: check.oneOf<HttpMethod>(at('method'), o.method, ['POST', 'PUT'], HTTP_DEFAULTS.method),
    keepAlive: check.boolean(at('keepAlive'), o.keepAlive, HTTP_DEFAULTS.keepAlive),
    headers,
    contentType,
    inflight: check.integer(at('inflight'), o.inflight, 1, 1000, HTTP_DEFAULTS.inflight),
    timeoutMs: check.duration(at('timeout'), o.timeout, { fallback: HTTP_DEFAULTS.timeoutMs, positive: true }),
    // RFC 9110 §15: 1xx are interim responses, not an answer to a request.
    status: check.integer(at('status'), o.status, 200, 599, HTTP_DEFAULTS.status),
    listen,
    tls,
    target: check.string(at('target'), o.target, true) ?? HTTP_DEFAULTS.target,
  };
  return check.problems.length > before ? undefined : (resolved as ResolvedHttpOptions);
}
