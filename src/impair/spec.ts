// What an impaired link does, as the scenario's `impair` block resolves it (src/dsl/impair.ts),
// and what the proxy counted. Plain data: it crosses to the proxy's worker thread and into results.

import type { AnyDriver } from '../protocols/registry.ts';
import type { Lateness } from './lateness.ts';

/** The transport under the target's protocol (Driver.transport): a byte stream or datagrams. */
export type Transport = AnyDriver['transport'];

/** A window when nothing passes, from the start of the send phase. */
export interface Blackhole {
  atMs: number;
  forMs: number;
}

/** One target's impairment, resolved. Delays are added each way: the round trip grows by twice them. */
export interface ImpairSpec {
  /** Added one-way delay, each direction. */
  latencyMs: number;
  /** ± uniform around the latency, seeded; never reorders (a later chunk leaves no earlier than the one before). */
  jitterMs: number;
  /** Fraction of datagrams dropped (message transports only; a byte stream cannot lose bytes). */
  loss: number;
  /** Bytes per second each direction; 0 for no limit. */
  bandwidthBytesPerS: number;
  blackholes: Blackhole[];
  /** Moments when every open connection is reset (stream transports only). */
  resetsAtMs: number[];
}

/** One direction of a datagram link: up is client → target, down target → client. */
export interface DatagramCounts {
  /** Reached the proxy: forwarded + lost + blackholed, plus any still in flight when the proxy stopped. */
  received: number;
  forwarded: number;
  bytes: number;
  /** Dropped by `loss`. */
  lost: number;
  /** Dropped because they arrived or would have left during a blackhole. */
  blackholed: number;
  /** Byte-identical to one seen before on the same flow and direction (a retransmission), dropped or not. */
  repeats: number;
}

export interface DatagramStats {
  /** Distinct client source addresses (each its own upstream socket). */
  flows: number;
  up: DatagramCounts;
  down: DatagramCounts;
}

export interface StreamStats {
  /** Connections accepted from clients. */
  connections: number;
  /** Of those, connections the target refused (the client saw its connection close). */
  upstreamFailed: number;
  bytesUp: number;
  bytesDown: number;
  /** Connections reset by `reset` (each counted once, both sides reset). */
  resets: number;
  /** Connections open during a blackhole (held, not closed), summed over the windows. */
  held: number;
}

/** `result.impairment.<target>`: the link as resolved and what crossed it. */
export interface ImpairmentResult {
  transport: Transport;
  /** The target's address behind the proxy (host:port). */
  upstream: string;
  spec: ImpairSpec;
  /** Time spent inside blackhole windows while the proxy ran. */
  blackholedMs: number;
  /** How late chunks left after their due time on the proxy's thread: the accuracy of the delays on this machine. */
  lateness: Lateness;
  /** Stream transports. */
  stream?: StreamStats;
  /** Datagram transports. */
  datagram?: DatagramStats;
}

/** Plan.impair: one target's impairment and the transport its proxy forwards. */
export interface ResolvedImpair {
  transport: Transport;
  spec: ImpairSpec;
}

export function emptyDatagramCounts(): DatagramCounts {
  return { received: 0, forwarded: 0, bytes: 0, lost: 0, blackholed: 0, repeats: 0 };
}
