// A CoAP device's wire totals for the power model: its datagrams (coaps:// has its DTLS
// session's, counted by dtls.ts, the handshake in `secure`) and the round trips it waited for.
import { emptyWire, type WireTotalsByKind } from '../../power/wire.ts';

type Counts = { sent: number; received: number };

/**
 * Every datagram of plain CoAP is data. Round trips, all data waits (`dataWaits`, counted by
 * the device): a CON request's ACK, piggybacked or empty (RFC 7252 §5.2.1, §5.2.2: a separate
 * response that follows an empty ACK is the same wait), or its RST (§4.2), once however many
 * retransmissions it took; each block of a block-wise transfer (RFC 7959 §2.5, lock-step); a
 * NON request's response (§5.2.3). A NON request with No-Response (RFC 7967) waits for nothing;
 * Observe notifications (RFC 7641) are not waits, only the registration's response is.
 */
export function coapWire(
  dtls: WireTotalsByKind | undefined,
  bytes: Counts,
  datagrams: Counts,
  dataWaits: number,
): WireTotalsByKind {
  const w = dtls ? { ...dtls, waits: { ...dtls.waits } } : emptyWire();
  if (!dtls) {
    w.tx.data = { packets: datagrams.sent, bytes: bytes.sent };
    w.rx.data = { packets: datagrams.received, bytes: bytes.received };
  }
  w.waits.data += dataWaits;
  return w;
}
