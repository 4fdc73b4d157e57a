// The `fleets.<name>.amqp` block of a result, from the codes an AMQP group counted: publisher
// confirms, transactions, returns, consumer acks and dead letters by reason.
import { formatTally, formatUs } from '../../base/format.ts';
import { type CodeKey, countOf, countsUnder } from '../../metrics/codes.ts';
import type { BlockInput, BlockTable } from '../driver.ts';
import { AMQP_CODES } from './codes.ts';

const C = AMQP_CODES.keys;

export interface AmqpStats {
  confirms: { acked: number; nacked: number; unconfirmedAtClose: number };
  /** basic.return by reply code (312 NO_ROUTE) for mandatory publishes no queue took. */
  returned: Record<string, number>;
  commits: number;
  commitsFailed: number;
  /** Consumers: acks, nacks (dead-lettered or dropped), requeues, redeliveries, most unacked at once by any consumer. */
  consumer: { acked: number; nacked: number; requeued: number; redelivered: number; unackedPeak: number };
  /** Messages received from a dead-letter exchange, by the reason in their x-death header. */
  deadLetters: Record<string, number>;
}

export function amqpStats({ codes }: BlockInput<unknown>): AmqpStats {
  const n = (code: CodeKey): number => countOf(codes, code);
  return {
    confirms: {
      acked: n(C.confirm.ack),
      nacked: n(C.confirm.nack),
      unconfirmedAtClose: n(C.confirm.unconfirmed_at_close),
    },
    returned: countsUnder(codes, C.return),
    commits: n(C.tx.commit),
    commitsFailed: n(C.tx.commit_failed),
    consumer: {
      acked: n(C.consumer.ack),
      nacked: n(C.consumer.nack),
      requeued: n(C.consumer.nack_requeue),
      redelivered: n(C.delivery.redelivered),
      unackedPeak: Math.max(0, ...Object.keys(countsUnder(codes, C.unacked_peak)).map(Number)),
    },
    deadLetters: countsUnder(codes, C.deadletter),
  };
}

/** The console's and the report's amqp table. */
export const amqpTable: BlockTable<AmqpStats> = {
  columns: [
    { label: 'confirm ack/nack' },
    { label: 'commits', align: 'l' },
    { label: 'returned', align: 'l' },
    { label: 'ack/nack/requeue' },
    { label: 'redelivered' },
    { label: 'unacked peak' },
    { label: 'dead letters', align: 'l' },
  ],
  row(a, fleet) {
    const c = a.consumer;
    const commit = fleet.latency('commit');
    return [
      a.confirms.acked + a.confirms.nacked > 0 ? `${a.confirms.acked}/${a.confirms.nacked}` : '-',
      a.commits > 0 ? `${a.commits}${commit ? ` (p99 ${formatUs(commit.p99)})` : ''}` : '-',
      formatTally(a.returned),
      c.acked + c.nacked + c.requeued > 0 ? `${c.acked}/${c.nacked}/${c.requeued}` : '-',
      c.redelivered > 0 ? String(c.redelivered) : '-',
      c.unackedPeak > 0 ? String(c.unackedPeak) : '-',
      formatTally(a.deadLetters),
    ];
  },
};
