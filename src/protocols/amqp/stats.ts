// The `fleets.<name>.amqp` block of a result, from the codes an AMQP group counted: publisher
// confirms, transactions, returns, consumer acks and dead letters by reason.
import { formatTally, formatUs } from '../../base/format.ts';
import { type CodeKey, countOf, countsUnder } from '../../metrics/codes.ts';
import type { BlockInput, BlockTable, DriverCounter } from '../driver.ts';
import { AMQP_CODES } from './codes.ts';

const C = AMQP_CODES.keys;

export interface AmqpStats {
  confirms: { acked: number; nacked: number; unconfirmedAtClose: number };
  /** basic.return by reply code (312 NO_ROUTE) for mandatory publishes no queue took. */
  returned: Record<string, number>;
  commits: number;
  commitsFailed: number;
  /** Transactions rolled back (tx.rollback) and the messages they discarded. */
  rollbacks: number;
  rolledBack: number;
  /**
   * Consumers: acks, nacks (dead-lettered or dropped), requeues, redeliveries, most unacked at
   * once by any consumer, and deliveries of a higher priority than the one before them.
   */
  consumer: {
    acked: number;
    nacked: number;
    requeued: number;
    redelivered: number;
    unackedPeak: number;
    priorityRises: number;
  };
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
    rollbacks: n(C.tx.rollback),
    rolledBack: n(C.tx.rolled_back),
    consumer: {
      acked: n(C.consumer.ack),
      nacked: n(C.consumer.nack),
      requeued: n(C.consumer.nack_requeue),
      redelivered: n(C.delivery.redelivered),
      unackedPeak: Math.max(0, ...Object.keys(countsUnder(codes, C.unacked_peak)).map(Number)),
      priorityRises: n(C.delivery.priority_rise),
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
      commitsCell(a, commit?.p99),
      formatTally(a.returned),
      c.acked + c.nacked + c.requeued > 0 ? `${c.acked}/${c.nacked}/${c.requeued}` : '-',
      c.redelivered > 0 ? String(c.redelivered) : '-',
      c.unackedPeak > 0 ? String(c.unackedPeak) : '-',
      formatTally(a.deadLetters),
    ];
  },
};

/** Commits with their p99, and the transactions rolled back. */
function commitsCell(a: AmqpStats, p99: number | undefined): string {
  const parts: string[] = [];
  if (a.commits > 0) parts.push(`${a.commits}${p99 === undefined ? '' : ` (p99 ${formatUs(p99)})`}`);
  if (a.rollbacks > 0) parts.push(`${a.rollbacks} rolled back`);
  return parts.length > 0 ? parts.join(', ') : '-';
}

const deadLettered =
  (reason: string) =>
  (a: AmqpStats): number =>
    a.deadLetters[reason] ?? 0;

/** The block's figures thresholds can name (Driver.counters), e.g. `'pub.returned': ['rate == 1']`. */
export const AMQP_COUNTERS: Readonly<Record<string, DriverCounter<AmqpStats>>> = {
  // basic.return (§1.8.3.8) of mandatory publishes no queue took, any reply code; 312 NO_ROUTE alone.
  returned: { title: 'mandatory publishes returned (basic.return)', per: 'sent', read: (a) => total(a.returned) },
  returned_no_route: {
    title: 'mandatory publishes returned with 312 NO_ROUTE',
    per: 'sent',
    read: (a) => a.returned['312'] ?? 0,
  },
  // Publisher confirms (RabbitMQ's extension): publishes the broker refused with basic.nack.
  confirm_nacks: { title: 'publishes refused with basic.nack', per: 'sent', read: (a) => a.confirms.nacked },
  rolled_back: { title: 'messages discarded by tx.rollback', per: 'sent', read: (a) => a.rolledBack },
  // Received from a dead-letter queue (deadLetters: true), by the reason in x-death.
  dead_letters: { title: 'dead letters received', per: 'received', read: (a) => total(a.deadLetters) },
  dead_letters_rejected: { title: 'dead letters received, rejected', per: 'received', read: deadLettered('rejected') },
  dead_letters_expired: { title: 'dead letters received, expired', per: 'received', read: deadLettered('expired') },
  dead_letters_maxlen: { title: 'dead letters received, maxlen', per: 'received', read: deadLettered('maxlen') },
  priority_rises: {
    title: 'deliveries of a higher priority than the one before',
    per: 'received',
    read: (a) => a.consumer.priorityRises,
  },
  // basic.qos (§1.8.3.1): the most deliveries one consumer held unacknowledged at once.
  unacked_peak: { title: 'most unacknowledged deliveries at once', peak: true, read: (a) => a.consumer.unackedPeak },
};

function total(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((n, x) => n + x, 0);
}
