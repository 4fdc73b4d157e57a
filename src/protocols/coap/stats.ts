// The `fleets.<name>.coap` block of a result, from the codes a CoAP group (devices or the
// embedded server) counted: the message layer (RFC 7252), Observe (RFC 7641), block-wise (RFC 7959).
import { formatTally, round2 } from '../../base/format.ts';
import { type CodeKey, countOf, countsUnder, RUN_CODES } from '../../metrics/codes.ts';
import type { BlockInput, BlockTable } from '../driver.ts';
import { COAP_CODES } from './codes.ts';

const C = COAP_CODES.keys;

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

export function coapStats({ codes, bytes }: BlockInput<unknown>): CoapStats {
  const n = (code: CodeKey): number => countOf(codes, code);
  const sent = n(RUN_CODES.keys.datagram.sent);
  const received = n(RUN_CODES.keys.datagram.received);
  return {
    datagrams: {
      sent,
      received,
      bytesPerDatagramSent: sent > 0 ? round2(bytes.sent / sent) : null,
      bytesPerDatagramReceived: received > 0 ? round2(bytes.received / received) : null,
    },
    retransmissions: n(C.coap.retransmission),
    timeouts: n(C.coap.timeout),
    resets: n(C.coap.rst_received),
    duplicatesSuppressed: n(C.coap.duplicate_suppressed),
    dedupEvicted: n(C.coap.dedup_evicted),
    nonUnanswered: n(C.coap.non_unanswered),
    abandoned: n(C.coap.abandoned),
    responses: countsUnder(codes, C.response),
    observe: {
      registered: n(C.observe.registered),
      reregistrations: n(C.observe.reregistration) + n(C.observe.reregistered),
      deregistered: n(C.observe.deregistered) + n(C.observe.deregistered_get) + n(C.observe.deregistered_rst),
      notifications: n(C.observe.notification),
      gaps: n(C.observe.gap),
      stale: n(C.observe.stale),
      resetsSent: n(C.observe.rst_sent),
      endedByServer: n(C.observe.ended_by_server),
    },
    blocks: {
      block1Sent: n(C.block1.sent),
      block1Received: n(C.block1.received),
      block2Sent: n(C.block2.sent),
      block2Received: n(C.block2.received),
    },
  };
}

/** The console's and the report's coap table. */
export const coapTable: BlockTable<CoapStats> = {
  columns: [
    { label: 'dgrams out/in' },
    { label: 'B/dgram out/in' },
    { label: 'retx' },
    { label: 'timeouts' },
    { label: 'rst' },
    { label: 'dup supp' },
    { label: 'NON unans' },
    { label: 'responses', align: 'l' },
    { label: 'observe', align: 'l' },
  ],
  row(c) {
    const o = c.observe;
    return [
      `${c.datagrams.sent}/${c.datagrams.received}`,
      `${c.datagrams.bytesPerDatagramSent ?? '-'}/${c.datagrams.bytesPerDatagramReceived ?? '-'}`,
      String(c.retransmissions),
      String(c.timeouts),
      String(c.resets),
      String(c.duplicatesSuppressed),
      String(c.nonUnanswered),
      formatTally(c.responses),
      o.registered + o.notifications > 0
        ? `${o.registered} reg, ${o.notifications} notif, ${o.gaps} gaps, ${o.reregistrations} rereg, ${o.deregistered} dereg`
        : '-',
    ];
  },
};
