// Histogram names, defined once: the kinds every group may record, and the keys that place them.

/** Histogram kinds recorded per fleet (or per sender→receiver pair for end to end). */
export const HistogramKind = {
  /** Socket open → CONNACK (or the protocol's equivalent). */
  connect: 'connect',
  /** Publish → ack (PUBACK/PUBCOMP), from the intended send time: coordinated-omission corrected. */
  ack: 'ack',
  /** Publish → ack from the actual send time: service time. */
  ackService: 'ack_service',
  /** Publish → delivery at a receiver, from the intended send time. */
  e2e: 'e2e',
  e2eService: 'e2e_service',
  /** Command → actuator → reply round trip, from the intended send time. */
  rtt: 'rtt',
  rttService: 'rtt_service',
  /** Intended → actual send time: how far behind its schedule the generator fired (0 when on time). */
  sendLateness: 'send_lateness',
  /** Connection lost → connected again (the protocol's CONNACK or equivalent), per reconnect. */
  reconnect: 'reconnect',
} as const;
export type HistogramKind = (typeof HistogramKind)[keyof typeof HistogramKind];

/** The kinds above, or one a driver times itself (Driver.latencies, e.g. 'commit'). */
export type AnyHistogramKind = HistogramKind | (string & {});

/** Snapshot histogram key: 'gps|ack' or, for end to end, 'gps>backend|e2e'. */
export function histogramKey(owner: string, kind: AnyHistogramKind): string {
  return `${owner}|${kind}`;
}

export function pairKey(from: string, to: string): string {
  return `${from}>${to}`;
}

/** The sender and receiver of a pair owner ('gps>backend'); a fleet owner ('gps') has no receiver. */
export function splitPairKey(owner: string): { from: string; to: string | undefined } {
  const gt = owner.indexOf('>');
  return gt > 0 ? { from: owner.slice(0, gt), to: owner.slice(gt + 1) } : { from: owner, to: undefined };
}

export function splitHistogramKey(key: string): { owner: string; kind: AnyHistogramKind } {
  const bar = key.lastIndexOf('|');
  return { owner: key.slice(0, bar), kind: key.slice(bar + 1) };
}
