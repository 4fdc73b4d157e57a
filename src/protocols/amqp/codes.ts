// The AMQP 0-9-1 driver's code book: publisher confirms (RabbitMQ's extension), transactions
// (§1.9), basic.return reply codes (§1.8.3.8), consumer acks and rejects, dead-letter reasons.
import { type CodeWords, codeBook } from '../../metrics/codes.ts';

/** AMQP 0-9-1 §1.2 reply codes that reach a client. */
const REPLY: Readonly<Record<string, string>> = {
  '312': 'NO_ROUTE',
  '313': 'NO_CONSUMERS',
  '320': 'CONNECTION_FORCED',
  '501': 'FRAME_ERROR',
  '505': 'UNEXPECTED_FRAME',
  '506': 'RESOURCE_ERROR',
  '530': 'NOT_ALLOWED',
  '541': 'INTERNAL_ERROR',
  '403': 'ACCESS_REFUSED',
  '404': 'NOT_FOUND',
  '406': 'PRECONDITION_FAILED',
};

export const AMQP_CODES = codeBook({
  confirm: { codes: { ack: false, nack: true, unconfirmed_at_close: true } },
  // rollback: one tx.rollback (§1.9.2.5); rolled_back: the messages it discarded.
  tx: { codes: { commit: false, commit_failed: true, held_lost: true, rollback: false, rolled_back: false } },
  consumer: { codes: { ack: false, nack: true, nack_requeue: false } },
  // priority_rise: a delivery of higher priority than the one before it on the same consumer.
  delivery: { codes: { redelivered: false, priority_rise: false } },
  // Mandatory publishes no queue took (basic.return), by reply code.
  return: {
    describe: (code: string): CodeWords => ({
      meaning: `returned unroutable: ${REPLY[code] ?? 'reply code'} ${code}`,
      notable: true,
    }),
  },
  // Messages received from a dead-letter exchange, by the x-death reason.
  deadletter: { describe: (code: string): CodeWords => ({ meaning: `dead-lettered: ${code}`, notable: true }) },
  // connection.close from the broker (10/50) that ended a connection, by reply code (320 CONNECTION_FORCED).
  connection_close: {
    describe: (code: string): CodeWords => ({
      meaning: `connection closed by the broker: ${REPLY[code] ?? 'reply code'} ${code}`,
      notable: true,
    }),
  },
  // A channel the broker closed (channel.close, e.g. 404 NOT_FOUND) while the connection stayed up, opened again.
  channel: { codes: { reopened: { meaning: 'channel reopened after the broker closed it', notable: true } } },
  // connection.blocked (RabbitMQ): the broker stopped reading, with its reason.
  connection: { describe: (code: string): CodeWords => ({ meaning: code, notable: true }) },
  // The most unacknowledged deliveries a consumer held at once; the value is the count.
  unacked_peak: { describe: (code: string): CodeWords => ({ meaning: `${code} unacked at once`, notable: false }) },
});
