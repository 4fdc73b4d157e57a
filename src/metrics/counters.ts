// Per-fleet counters carried in every snapshot (as deltas, except the `connected` gauge).

export interface GroupCounters {
  /** Devices connected right now (gauge). */
  connected: number;
  connects: number;
  connectFailed: number;
  /** Connections lost without the device asking (broker kick, network). */
  disconnects: number;
  sent: number;
  acked: number;
  /** Sends that fired more than the late threshold after their intended time. */
  late: number;
  /** Scheduled sends that could not be made (not connected, in-flight window full, backpressure). */
  dropped: number;
  /** Generated payloads larger than the configured size. */
  oversize: number;
  received: number;
  /** Received payloads without a stamp of this run (other clients, messages retained or queued by earlier runs). */
  unstamped: number;
  repliesSent: number;
  repliesReceived: number;
  bytesSent: number;
  bytesReceived: number;
  errors: number;
}

export const COUNTER_FIELDS = [
  'connected',
  'connects',
  'connectFailed',
  'disconnects',
  'sent',
  'acked',
  'late',
  'dropped',
  'oversize',
  'received',
  'unstamped',
  'repliesSent',
  'repliesReceived',
  'bytesSent',
  'bytesReceived',
  'errors',
] as const satisfies readonly (keyof GroupCounters)[];

export function emptyCounters(): GroupCounters {
  return {
    connected: 0,
    connects: 0,
    connectFailed: 0,
    disconnects: 0,
    sent: 0,
    acked: 0,
    late: 0,
    dropped: 0,
    oversize: 0,
    received: 0,
    unstamped: 0,
    repliesSent: 0,
    repliesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    errors: 0,
  };
}

/** Adds `b` into `a`; the `connected` gauge is summed too (callers sum gauges across workers). */
export function addCounters(a: GroupCounters, b: GroupCounters): void {
  for (const f of COUNTER_FIELDS) a[f] += b[f];
}
