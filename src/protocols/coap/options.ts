// The `coap({...})` builder and the validation of its options. Transmission parameters are
// per fleet (RFC 7252 §4.8), unlike the `coap` package's process-wide `updateTiming()`.

import { type Checker, fieldsOf } from '../../base/check.ts';
import { defaults } from '../../base/defaults.ts';
import type { ProtocolSpec } from '../../base/spec.ts';
import type { Duration } from '../../base/units.ts';
import { CONTENT_FORMATS, type ContentFormatName, encodeUint } from './codec.ts';
import { type CoapDtlsOptions, type ResolvedDtls, resolveDtls } from './dtls-options.ts';

export type CoapType = 'CON' | 'NON';
export type CoapMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface CoapOptions {
  /** Message type of requests (default 'CON'): confirmable, or non-confirmable (§4.2, §4.3). */
  type?: CoapType;
  /** Request method (default 'POST'). */
  method?: CoapMethod;
  /** Content-Format of request payloads (§5.10.3): a registry number or a media type (default 'application/octet-stream'). */
  contentFormat?: number | ContentFormatName;
  /** ACK_TIMEOUT (§4.8, default '2s'). */
  ackTimeout?: Duration;
  /** ACK_RANDOM_FACTOR (§4.8, default 1.5): the first timeout is random in [ACK_TIMEOUT, ACK_TIMEOUT × factor]. */
  ackRandomFactor?: number;
  /** MAX_RETRANSMIT (§4.8, default 4). */
  maxRetransmit?: number;
  /** NSTART (§4.7, default 1): outstanding confirmable requests per device; further sends count as dropped. */
  nstart?: number;
  /**
   * Send every request with the No-Response option (RFC 7967 §2) valued 26 (§2.1: no interest in
   * 2.xx, 4.xx or 5.xx responses): the server answers nothing, the device waits for nothing.
   * NON requests only (`type: 'NON'`): a CON is still acknowledged (RFC 7967 §2). Default false.
   */
  noResponse?: boolean;
  /** Block size for block-wise transfers (RFC 7959 §2.2): 16 … 1024 bytes (default 1024). */
  blockSize?: 16 | 32 | 64 | 128 | 256 | 512 | 1024;
  /**
   * Virtual sensors that are CoAP servers: device i listens on host:port+i and serves the fleet's
   * `path` as an observable resource (RFC 7641); every scheduled send is a notification. Without
   * `port`, each run finds a free block of ports, so runs side by side never collide.
   */
  serve?: true | { port?: number; host?: string; notify?: CoapType; maxAge?: Duration };
  /** Observers: how an observation ends when the device stops (RFC 7641 §3.6; default 'get'). */
  deregister?: 'get' | 'rst' | 'none';
  /** Observers: re-register every interval (§3.3.1); by default only when Max-Age passes without a notification. */
  reregister?: Duration;
  /**
   * Observers: cancel each observation (as `deregister` says, 'get' or 'rst') this long after it
   * was registered, and keep listening until the run ends: a notification that still comes is
   * rejected with RST and counted as `observe|after_deregistration` (RFC 7641 §3.6).
   */
  deregisterAfter?: Duration;
  /**
   * Options added to every request as they are (RFC 7252 §5.4), after the driver's own: a number
   * and a value (text as UTF-8, a number as a uint). For options the driver does not set (Accept,
   * Uri-Host) and for probing how a server treats unrecognized ones (§5.4.1).
   */
  extraOptions?: { number: number; value?: string | number }[];
  /** Device name template: {run} {fleet} {id} (no wire meaning in CoAP; names devices in reports). */
  clientId?: string;
  /** Which entry of the scenario's `targets` to use (default 'coap'). */
  target?: string;
  /** coaps:// targets: CoAP over DTLS 1.2 with a pre-shared key (RFC 7252 §9.1.3.1), per device via templates. */
  dtls?: CoapDtlsOptions;
}

export interface ResolvedCoapOptions {
  type: CoapType;
  method: CoapMethod;
  contentFormat: number;
  transmission: TransmissionParameters;
  /** Requests carry No-Response 26 (RFC 7967): NON only, and not for block-wise bodies (RFC 7959 §2.5 is lock-step). */
  noResponse: boolean;
  blockSize: number;
  /** `auto`: the scenario gave no port; the run finds a free block (Driver.freePorts) and sets `port`. */
  serve: { port: number; auto: boolean; host: string; notify: CoapType; maxAgeSec: number } | undefined;
  deregister: 'get' | 'rst' | 'none';
  reregisterMs: number | undefined;
  deregisterAfterMs: number | undefined;
  /** coap-packet names an option it does not know by its number. */
  extraOptions: { name: string; value: Buffer }[];
  clientId: string;
  target: string;
  dtls: ResolvedDtls | undefined;
}

/** RFC 7252 §4.8 transmission parameters. */
export interface TransmissionParameters {
  ackTimeoutMs: number;
  ackRandomFactor: number;
  maxRetransmit: number;
  nstart: number;
}

export const COAP_DEFAULTS = {
  type: 'CON',
  method: 'POST',
  contentFormat: 42,
  transmission: { ackTimeoutMs: 2000, ackRandomFactor: 1.5, maxRetransmit: 4, nstart: 1 },
  blockSize: 1024,
  servePort: 56830,
  serveHost: '127.0.0.1',
  maxAgeSec: 60,
  target: 'coap',
} as const;

const FIELDS = fieldsOf<CoapOptions>()([
  'type',
  'method',
  'contentFormat',
  'ackTimeout',
  'ackRandomFactor',
  'maxRetransmit',
  'nstart',
  'noResponse',
  'blockSize',
  'serve',
  'deregister',
  'reregister',
  'deregisterAfter',
  'extraOptions',
  'clientId',
  'target',
  'dtls',
]);
const BLOCK_SIZES = [16, 32, 64, 128, 256, 512, 1024] as const;

export function coap(options: CoapOptions = {}): ProtocolSpec<'coap', CoapOptions> {
  return { protocol: 'coap', options };
}

export function resolveCoapOptions(raw: unknown, path: string, check: Checker): ResolvedCoapOptions | undefined {
  const o = raw === undefined ? {} : check.object(path, raw);
  if (!o) return undefined;
  check.known(path, o, FIELDS);
  const at = (field: string): string => `${path}.${field}`;
  const type = check.oneOf<CoapType>(at('type'), o.type, ['CON', 'NON'], COAP_DEFAULTS.type);
  const method = check.oneOf<CoapMethod>(
    at('method'),
    o.method,
    ['GET', 'POST', 'PUT', 'DELETE'],
    COAP_DEFAULTS.method,
  );
  let contentFormat: number | undefined = COAP_DEFAULTS.contentFormat;
  if (typeof o.contentFormat === 'string') {
    contentFormat = CONTENT_FORMATS[o.contentFormat as ContentFormatName];
    if (contentFormat === undefined)
      check.fail(
        at('contentFormat'),
        `a Content-Format number or one of ${Object.keys(CONTENT_FORMATS)
          .map((k) => JSON.stringify(k))
          .join(', ')}`,
        o.contentFormat,
      );
  } else if (o.contentFormat !== undefined)
    contentFormat = check.integer(at('contentFormat'), o.contentFormat, 0, 65535);
  const ackTimeoutMs = check.duration(at('ackTimeout'), o.ackTimeout, {
    fallback: COAP_DEFAULTS.transmission.ackTimeoutMs,
    positive: true,
  });
  let ackRandomFactor: number | undefined = COAP_DEFAULTS.transmission.ackRandomFactor;
  if (o.ackRandomFactor !== undefined) {
    // §4.8: ACK_RANDOM_FACTOR MUST NOT be decreased below 1.0.
    ackRandomFactor =
      typeof o.ackRandomFactor === 'number' && o.ackRandomFactor >= 1 && o.ackRandomFactor <= 10
        ? o.ackRandomFactor
        : check.fail(
            at('ackRandomFactor'),
            'a number from 1.0 to 10 (RFC 7252 §4.8: not below 1.0)',
            o.ackRandomFactor,
          );
  }
  const maxRetransmit = check.integer(
    at('maxRetransmit'),
    o.maxRetransmit,
    0,
    20,
    COAP_DEFAULTS.transmission.maxRetransmit,
  );
  const nstart = check.integer(at('nstart'), o.nstart, 1, 1000, COAP_DEFAULTS.transmission.nstart);
  const noResponse = check.boolean(at('noResponse'), o.noResponse, false);
  // RFC 7967 §2: the option is meant for NON requests; a CON request is still acknowledged at
  // the message layer (§5.2.2 of RFC 7252), so the device would wait for that ACK after all.
  if (noResponse && type !== 'NON')
    check.note(
      at('noResponse'),
      `needs type: 'NON' (RFC 7967 §2: No-Response is for non-confirmable requests; a CON is still acknowledged), got type ${JSON.stringify(type ?? o.type)}`,
    );
  const blockSize = check.oneOf<number>(at('blockSize'), o.blockSize, BLOCK_SIZES, COAP_DEFAULTS.blockSize);
  let serve: ResolvedCoapOptions['serve'];
  if (o.serve !== undefined && o.serve !== false) {
    const s = o.serve === true ? {} : check.object(at('serve'), o.serve);
    if (s) {
      check.known(at('serve'), s, ['port', 'host', 'notify', 'maxAge']);
      const port = check.integer(at('serve.port'), s.port, 1, 65535, COAP_DEFAULTS.servePort);
      const host = check.string(at('serve.host'), s.host, true) ?? COAP_DEFAULTS.serveHost;
      const notify = check.oneOf<CoapType>(at('serve.notify'), s.notify, ['CON', 'NON'], 'NON');
      const maxAgeMs = check.duration(at('serve.maxAge'), s.maxAge, {
        fallback: COAP_DEFAULTS.maxAgeSec * 1000,
        positive: true,
      });
      if (port !== undefined && notify !== undefined && maxAgeMs !== undefined)
        serve = { port, auto: s.port === undefined, host, notify, maxAgeSec: Math.max(1, Math.round(maxAgeMs / 1000)) };
    }
  }
  const deregister = check.oneOf<'get' | 'rst' | 'none'>(at('deregister'), o.deregister, ['get', 'rst', 'none'], 'get');
  const reregisterMs =
    o.reregister === undefined ? undefined : check.duration(at('reregister'), o.reregister, { positive: true });
  const deregisterAfterMs =
    o.deregisterAfter === undefined
      ? undefined
      : check.duration(at('deregisterAfter'), o.deregisterAfter, { positive: true });
  if (deregisterAfterMs !== undefined && deregister === 'none')
    check.note(
      at('deregisterAfter'),
      "needs deregister 'get' or 'rst': with 'none' nothing would cancel the observation",
    );
  const resolved = {
    type,
    method,
    contentFormat,
    transmission: { ackTimeoutMs, ackRandomFactor, maxRetransmit, nstart },
    noResponse,
    blockSize,
    serve,
    deregister,
    reregisterMs,
    deregisterAfterMs,
    extraOptions: resolveExtraOptions(check, at('extraOptions'), o.extraOptions),
    clientId: check.string(at('clientId'), o.clientId, true) ?? defaults.clientId,
    target: check.string(at('target'), o.target, true) ?? COAP_DEFAULTS.target,
    dtls: resolveDtls(check, at('dtls'), o.dtls),
  };
  // node-dtls-client is a DTLS client only: a virtual sensor cannot answer a DTLS handshake.
  if (serve && o.dtls !== undefined)
    check.note(
      at('dtls'),
      'is for clients and observers of a coaps:// target: virtual sensors (serve) serve plain coap:// only',
    );
  if (serve && noResponse)
    check.note(at('noResponse'), 'is for clients that send requests: virtual sensors (serve) send notifications');
  const t = resolved.transmission;
  if (
    [
      type,
      method,
      contentFormat,
      t.ackTimeoutMs,
      t.ackRandomFactor,
      t.maxRetransmit,
      t.nstart,
      blockSize,
      deregister,
    ].includes(undefined)
  )
    return undefined;
  return resolved as ResolvedCoapOptions;
}

/** Options the driver sets itself on requests (RFC 7252 §5.10, RFC 7641, RFC 7959, RFC 7967): not extras. */
const OWN_OPTIONS: Readonly<Record<number, string>> = {
  6: 'Observe',
  11: 'Uri-Path',
  12: 'Content-Format',
  15: 'Uri-Query',
  27: 'Block1',
  60: 'Size1',
  258: 'No-Response',
};

function resolveExtraOptions(check: Checker, path: string, raw: unknown): ResolvedCoapOptions['extraOptions'] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return check.fail(path, 'a list of { number, value }', raw) ?? [];
  const out: ResolvedCoapOptions['extraOptions'] = [];
  for (const [i, item] of raw.entries()) {
    const p = `${path}[${i}]`;
    const e = check.object(p, item);
    if (!e) continue;
    check.known(p, e, ['number', 'value']);
    const number = check.integer(`${p}.number`, e.number, 1, 65535);
    if (number === undefined) continue;
    const own = OWN_OPTIONS[number];
    if (own !== undefined) {
      check.note(`${p}.number`, `${number} is ${own}, which the driver sets itself`);
      continue;
    }
    let value: Buffer = Buffer.alloc(0);
    if (typeof e.value === 'string') value = Buffer.from(e.value);
    else if (typeof e.value === 'number' && Number.isInteger(e.value) && e.value >= 0 && e.value <= 0xffffffff)
      value = encodeUint(e.value);
    else if (e.value !== undefined) {
      check.fail(`${p}.value`, 'text, or an integer from 0 to 4294967295 (sent as a uint, §3.2)', e.value);
      continue;
    }
    // §3.1: an option value is at most 65804 bytes; a request must still fit a datagram.
    if (value.length > 1024) {
      check.fail(`${p}.value`, 'at most 1024 bytes', e.value);
      continue;
    }
    out.push({ name: String(number), value });
  }
  return out;
}

/** §4.8.2 derived times, in milliseconds. MAX_LATENCY (100 s) and PROCESSING_DELAY (= ACK_TIMEOUT) per the RFC. */
export function derivedTimes(t: TransmissionParameters): {
  maxTransmitSpanMs: number;
  maxTransmitWaitMs: number;
  exchangeLifetimeMs: number;
} {
  const maxTransmitSpanMs = t.ackTimeoutMs * (2 ** t.maxRetransmit - 1) * t.ackRandomFactor;
  const maxTransmitWaitMs = t.ackTimeoutMs * (2 ** (t.maxRetransmit + 1) - 1) * t.ackRandomFactor;
  const maxLatencyMs = 100_000;
  return {
    maxTransmitSpanMs,
    maxTransmitWaitMs,
    exchangeLifetimeMs: maxTransmitSpanMs + 2 * maxLatencyMs + t.ackTimeoutMs,
  };
}
