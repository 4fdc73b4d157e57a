// What one device put on the wire, by kind of exchange: the input the power model prices.
// Drivers count application-layer packets and bytes exactly as they write and read them;
// transport overheads (TCP/IP or UDP/IP headers, TCP's own handshake and acknowledgements,
// TLS records) are added when the totals become an Activity (see activity.ts), so every
// driver counts the same way.
import type { PacketTotals } from './model.ts';

/** Connection setup and teardown, the messages and their acknowledgements, keepalives. */
export type WireKind = 'handshake' | 'data' | 'keepalive';

export const WIRE_KINDS: readonly WireKind[] = ['handshake', 'data', 'keepalive'];

/** Totals of one or more devices, mergeable across devices, workers and shards. */
export interface WireTotalsByKind {
  /** Transport connections opened (each costs a TCP handshake and a close). */
  connections: number;
  tx: Record<WireKind, PacketTotals>;
  rx: Record<WireKind, PacketTotals>;
}

export function emptyWire(): WireTotalsByKind {
  const kinds = (): Record<WireKind, PacketTotals> => ({
    handshake: { packets: 0, bytes: 0 },
    data: { packets: 0, bytes: 0 },
    keepalive: { packets: 0, bytes: 0 },
  });
  return { connections: 0, tx: kinds(), rx: kinds() };
}

/** Adds `b` into `a` (in place) and returns `a`. */
export function addWire(a: WireTotalsByKind, b: WireTotalsByKind): WireTotalsByKind {
  a.connections += b.connections;
  for (const k of WIRE_KINDS) {
    a.tx[k].packets += b.tx[k].packets;
    a.tx[k].bytes += b.tx[k].bytes;
    a.rx[k].packets += b.rx[k].packets;
    a.rx[k].bytes += b.rx[k].bytes;
  }
  return a;
}

/** One device's log: cheap counters a driver bumps as it writes and reads packets. */
export class WireLog {
  readonly totals = emptyWire();

  /** A transport connection was opened (TCP: SYN, SYN-ACK, ACK; closed later with FINs). */
  opened(): void {
    this.totals.connections++;
  }

  sent(kind: WireKind, bytes: number, packets = 1): void {
    const t = this.totals.tx[kind];
    t.packets += packets;
    t.bytes += bytes;
  }

  received(kind: WireKind, bytes: number, packets = 1): void {
    const t = this.totals.rx[kind];
    t.packets += packets;
    t.bytes += bytes;
  }
}
