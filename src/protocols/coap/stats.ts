// The `fleets.<name>.coap` block of a result, from the codes a CoAP group (devices or the
// embedded server) counted: the message layer (RFC 7252), Observe (RFC 7641), block-wise (RFC 7959).
import { codeCount, codesUnder, round2 } from '../codes.ts';

export interface CoapStats {
  datagrams: {
    sent: number;
    received: number;
    bytesPerDatagramSent: number | null;
    bytesPerDatagramReceived: number | null;
  };
  /** CON retransmissions (§4.2), by this group's devices or server. */
  retransmissions: number;
  /** CON requests given up after MAX_RETRANSMIT retransmissions. */
  timeouts: number;
  /** RST answers to this group's CONs. */
  resets: number;
  /** Duplicate CON/NON messages recognised by Message ID and endpoint, and not processed again (§4.5). */
  duplicatesSuppressed: number;
  /** Messages forgotten by the duplicate memory before EXCHANGE_LIFETIME because it was full (duplicates of them would pass). */
  dedupEvicted: number;
  /** NON requests with no response within MAX_TRANSMIT_WAIT or by the end of the run. */
  nonUnanswered: number;
  /** CON requests still being retransmitted when the run ended. */
  abandoned: number;
  /** Responses by code, e.g. { '2.04': 120 }. */
  responses: Record<string, number>;
  observe: {
    registered: number;
    reregistrations: number;
    deregistered: number;
    notifications: number;
    gaps: number;
    stale: number;
    resetsSent: number;
    endedByServer: number;
  };
  blocks: { block1Sent: number; block1Received: number; block2Sent: number; block2Received: number };
}

export function coapStats(codes: ReadonlyMap<string, number>, bytes: { sent: number; received: number }): CoapStats {
  const n = (packet: string, code: string): number => codeCount(codes, packet, code);
  const sent = n('datagram', 'sent');
  const received = n('datagram', 'received');
  return {
    datagrams: {
      sent,
      received,
      bytesPerDatagramSent: sent > 0 ? round2(bytes.sent / sent) : null,
      bytesPerDatagramReceived: received > 0 ? round2(bytes.received / received) : null,
    },
    retransmissions: n('coap', 'retransmission'),
    timeouts: n('coap', 'timeout'),
    resets: n('coap', 'rst_received'),
    duplicatesSuppressed: n('coap', 'duplicate_suppressed'),
    dedupEvicted: n('coap', 'dedup_evicted'),
    nonUnanswered: n('coap', 'non_unanswered'),
    abandoned: n('coap', 'abandoned'),
    responses: codesUnder(codes, 'response'),
    observe: {
      registered: n('observe', 'registered'),
      reregistrations: n('observe', 'reregistration') + n('observe', 'reregistered'),
      deregistered: n('observe', 'deregistered') + n('observe', 'deregistered_get') + n('observe', 'deregistered_rst'),
      notifications: n('observe', 'notification'),
      gaps: n('observe', 'gap'),
      stale: n('observe', 'stale'),
      resetsSent: n('observe', 'rst_sent'),
      endedByServer: n('observe', 'ended_by_server'),
    },
    blocks: {
      block1Sent: n('block1', 'sent'),
      block1Received: n('block1', 'received'),
      block2Sent: n('block2', 'sent'),
      block2Received: n('block2', 'received'),
    },
  };
}
