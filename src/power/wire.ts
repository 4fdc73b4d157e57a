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
  /**
   * Round trips, by kind: the times the device sent something and then waited for the peer's
   * answer before going on (CONNACK, PUBACK, PUBREC and PUBCOMP, a CoAP ACK or response, an
   * HTTP response, an AMQP method's -Ok or a confirm, PINGRESP). Deliveries the device did not
   * ask for (a subscription's messages) are not waits. The power model prices each at the link's RTT.
   */
  waits: Record<WireKind, number>;
  /**
   * TLS and DTLS handshakes as counted on the wire (records and bytes each way at the record
   * layer, packets as they would cross the network), how many were full and how many resumed
   * (a TLS session ticket or ID, a DTLS Connection ID), and the round trips they waited for.
   * Handshakes are counted here ONLY, never also in `handshake`, for TLS over TCP and DTLS alike:
   * price `secure` on top of the other kinds. TLS over TCP (src/protocols/tls-meter.ts): bytes
   * at the record layer without TCP/IP headers, `packets` the TCP segments of each flight
   * (ceil(bytes / 1460)), from the ClientHello to the client's Finished (a TLS 1.3 server's
   * NewSessionTicket messages come after and are not counted); `waits` 2 for a full TLS 1.2
   * handshake, 1 for a resumed one and for TLS 1.3. DTLS (coap/dtls.ts): every handshake
   * datagram and the session's closing alert, `waits` the server flights received during the
   * handshake (3 with a HelloVerifyRequest cookie); `handshake` has none of a DTLS session's.
   * `tls13`: how many of the TLS handshakes negotiated TLS 1.3, whose records carry 22 B of
   * overhead instead of TLS 1.2's 29 B (absent in results written before it was counted).
   */
  secure: { full: number; resumed: number; tx: PacketTotals; rx: PacketTotals; waits: number; tls13?: number };
}

export type SecureTotals = WireTotalsByKind['secure'];

export function emptySecure(): SecureTotals {
  return { full: 0, resumed: 0, tx: { packets: 0, bytes: 0 }, rx: { packets: 0, bytes: 0 }, waits: 0, tls13: 0 };
}

/** Adds `b` into `a` (in place); `b` from an older result may lack `tls13`. */
export function addSecure(a: SecureTotals, b: SecureTotals): void {
  a.full += b.full;
  a.resumed += b.resumed;
  a.tx.packets += b.tx.packets;
  a.tx.bytes += b.tx.bytes;
  a.rx.packets += b.rx.packets;
  a.rx.bytes += b.rx.bytes;
  a.waits += b.waits;
  a.tls13 = (a.tls13 ?? 0) + (b.tls13 ?? 0);
}

export function emptyWire(): WireTotalsByKind {
  const kinds = (): Record<WireKind, PacketTotals> => ({
    handshake: { packets: 0, bytes: 0 },
    data: { packets: 0, bytes: 0 },
    keepalive: { packets: 0, bytes: 0 },
  });
  return {
    connections: 0,
    tx: kinds(),
    rx: kinds(),
    waits: { handshake: 0, data: 0, keepalive: 0 },
    secure: emptySecure(),
  };
}

/** Adds `b` into `a` (in place) and returns `a`. */
export function addWire(a: WireTotalsByKind, b: WireTotalsByKind): WireTotalsByKind {
  a.connections += b.connections;
  for (const k of WIRE_KINDS) {
    a.tx[k].packets += b.tx[k].packets;
    a.tx[k].bytes += b.tx[k].bytes;
    a.rx[k].packets += b.rx[k].packets;
    a.rx[k].bytes += b.rx[k].bytes;
    a.waits[k] += b.waits?.[k] ?? 0;
  }
  // Results written before round trips and secure handshakes were counted lack them.
  if (b.secure) addSecure(a.secure, b.secure);
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

  /** The device waited for the peer's answer to what it sent (one round trip). */
  waited(kind: WireKind, roundTrips = 1): void {
    this.totals.waits[kind] += roundTrips;
  }
}
