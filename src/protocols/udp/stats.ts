// The `fleets.<name>.udp` block of a result, and its table in the console and the report.
import { round2 } from '../../base/format.ts';
import { countOf, RUN_CODES } from '../../metrics/codes.ts';
import type { BlockInput, BlockTable } from '../driver.ts';
import { UDP_CODES } from './codes.ts';

const C = UDP_CODES.keys;

export interface UdpStats {
  datagrams: { sent: number; received: number; bytesPerDatagramSent: number | null };
  /** Senders: datagrams acknowledged, and those whose ack did not come within the timeout. */
  acked: number;
  timeouts: number;
  /** Acks that matched no datagram in flight. */
  unmatchedAcks: number;
  /** Receivers: acks they sent. */
  acksSent: number;
}

export function udpStats({ codes, bytes }: BlockInput<unknown>): UdpStats {
  const sent = countOf(codes, RUN_CODES.keys.datagram.sent);
  return {
    datagrams: {
      sent,
      received: countOf(codes, RUN_CODES.keys.datagram.received),
      bytesPerDatagramSent: sent > 0 ? round2(bytes.sent / sent) : null,
    },
    acked: countOf(codes, C.udp.acked),
    timeouts: countOf(codes, C.udp.timeout),
    unmatchedAcks: countOf(codes, C.udp.unmatched_ack),
    acksSent: countOf(codes, C.udp.ack_sent),
  };
}

export const udpTable: BlockTable<UdpStats> = {
  columns: [
    { label: 'dgrams out/in' },
    { label: 'B/dgram out' },
    { label: 'acked' },
    { label: 'timeouts' },
    { label: 'unmatched' },
    { label: 'acks sent' },
  ],
  row: (u) => [
    `${u.datagrams.sent}/${u.datagrams.received}`,
    String(u.datagrams.bytesPerDatagramSent ?? '-'),
    String(u.acked),
    String(u.timeouts),
    String(u.unmatchedAcks),
    String(u.acksSent),
  ],
};
