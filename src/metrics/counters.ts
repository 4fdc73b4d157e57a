// Per-fleet counters carried in every snapshot (as deltas, except the `connected` gauge).

export interface GroupCounters {
  /** Devices connected right now (gauge). */
  connected: number;
  connects: number;
  connectFailed: number;
  /** Connections lost without the device asking (broker kick, network) or dropped by a scripted fault. */
  disconnects: number;
  /** Connections dropped by the scenario's `faults` (kill, disconnect, churn, reconnect storm); also in `disconnects`. */
  faulted: number;
  /** Reconnect attempts after a lost connection, successful or not. */
  reconnectAttempts: number;
  /** Lost connections that came back. */
  reconnects: number;
  /** Devices still down at the end of the run after losing their connection. */
  unrecovered: number;
  /** Device-milliseconds spent disconnected after a loss (until back, or until the end). */
  downMs: number;
  sent: number;
  acked: number;
  /** Sends that fired more than the late threshold after their intended time. */
  late: number;
  /** Scheduled sends that could not be made (in-flight window full, backpressure, generator behind). */
  dropped: number;
  /** Scheduled sends not made because the device was disconnected (lost connection, not yet back). */
  unsent: number;
  /** Sent messages in flight when the connection died that the driver will not resend. */
  inDoubt: number;
  /** Messages resent after a reconnect (MQTT DUP in a resumed session, AMQP republished). */
  resent: number;
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
  'faulted',
  'reconnectAttempts',
  'reconnects',
  'unrecovered',
  'downMs',
  'sent',
  'acked',
  'late',
  'dropped',
  'unsent',
  'inDoubt',
  'resent',
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
    faulted: 0,
    reconnectAttempts: 0,
    reconnects: 0,
    unrecovered: 0,
    downMs: 0,
    sent: 0,
    acked: 0,
    late: 0,
    dropped: 0,
    unsent: 0,
    inDoubt: 0,
    resent: 0,
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
