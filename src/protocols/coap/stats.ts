// The `fleets.<name>.coap` block of a result, from the codes a CoAP group (devices or the
// embedded server) counted: the message layer (RFC 7252), Observe (RFC 7641), block-wise (RFC 7959).
import type { CoapStats } from '../../result/types.ts';
import { codeCount, codesUnder, round2 } from '../codes.ts';

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
