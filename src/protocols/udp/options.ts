// The `udp({...})` builder and the validation of its options.
import { type Checker, fieldsOf } from '../../base/check.ts';
import type { ProtocolSpec } from '../../base/spec.ts';
import type { Duration } from '../../base/units.ts';

export interface UdpOptions {
  /** Receivers answer each datagram with an 8-byte ack, and senders count the ones left unanswered (default true). */
  ack?: boolean;
  /** How long a sender waits for an ack before counting a timeout (default '2s'). */
  timeout?: Duration;
  /** Receivers: each device listens on port + its index (host default 127.0.0.1). */
  listen?: { port: number; host?: string };
  /** Which entry of the scenario's `targets` to use (default 'udp'). */
  target?: string;
}

export interface ResolvedUdpOptions {
  ack: boolean;
  timeoutMs: number;
  listen: { port: number; host: string } | undefined;
  target: string;
}

export const UDP_DEFAULTS = { ack: true, timeoutMs: 2000, host: '127.0.0.1', target: 'udp' } as const;

const FIELDS = fieldsOf<UdpOptions>()(['ack', 'timeout', 'listen', 'target']);

export function udp(options: UdpOptions = {}): ProtocolSpec<'udp', UdpOptions> {
  return { protocol: 'udp', options };
}

export function resolveUdpOptions(raw: unknown, path: string, check: Checker): ResolvedUdpOptions | undefined {
  const o = raw === undefined ? {} : check.object(path, raw);
  if (!o) return undefined;
  check.known(path, o, FIELDS);
  const at = (field: string): string => `${path}.${field}`;
  const l = check.section(at('listen'), o.listen, ['port', 'host']);
  const port = l && check.integer(at('listen.port'), l.port, 1, 65535);
  const timeoutMs = check.duration(at('timeout'), o.timeout, { fallback: UDP_DEFAULTS.timeoutMs, positive: true });
  if (timeoutMs === undefined || (l && port === undefined)) return undefined;
  return {
    ack: check.boolean(at('ack'), o.ack, UDP_DEFAULTS.ack),
    timeoutMs,
    listen:
      l && port !== undefined
        ? { port, host: check.stringOr(at('listen.host'), l.host, UDP_DEFAULTS.host) }
        : undefined,
    target: check.stringOr(at('target'), o.target, UDP_DEFAULTS.target),
  };
}
