// The `fleets.<name>.amqp` block of a result, from the codes an AMQP group counted: publisher
// confirms, transactions, returns, consumer acks and dead letters by reason.
import { codesUnder } from '../codes.ts';

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

export function amqpStats(codes: ReadonlyMap<string, number>): AmqpStats {
  const n = (key: string): number => codes.get(key) ?? 0;
  const by = (packet: string): Record<string, number> => codesUnder(codes, packet);
  const unackedPeak = Math.max(0, ...Object.keys(by('unacked_peak')).map(Number));
  return {
    confirms: {
      acked: n('confirm|ack'),
      nacked: n('confirm|nack'),
      unconfirmedAtClose: n('confirm|unconfirmed_at_close'),
    },
    returned: by('return'),
    commits: n('tx|commit'),
    commitsFailed: n('tx|commit_failed'),
    consumer: {
      acked: n('consumer|ack'),
      nacked: n('consumer|nack'),
      requeued: n('consumer|nack_requeue'),
      redelivered: n('delivery|redelivered'),
      unackedPeak,
    },
    deadLetters: by('deadletter'),
  };
}
