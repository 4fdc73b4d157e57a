// Why an AMQP connection went away, from what amqplib reported with its 'close' event: the
// broker's connection.close (AMQP 0-9-1 §4.2.4 / class connection, 10/50) with its reply code,
// a socket reset, a missed heartbeat (§4.2.7), or a plain end of the TCP stream.
import type { DisconnectCause } from '../driver.ts';
import { channelError, replyOf } from './errors.ts';

export interface Loss {
  key: string;
  message: string;
  cause: DisconnectCause;
  /** The reply code of the broker's connection.close, when it sent one. */
  replyCode?: number;
}

/** Socket errors that mean the peer or the network reset the connection. */
const RESET = new Set(['ECONNRESET', 'EPIPE']);

/** Classifies amqplib's close error (undefined when it ended without one). */
export function lossOf(err: unknown, who: string): Loss {
  if (err === undefined || err === null)
    return { key: 'amqp.connection_lost', message: `${who}: connection closed`, cause: 'closed' };
  const e = err as { code?: unknown; message?: unknown };
  const text = typeof e.message === 'string' ? e.message : String(err);
  // amqplib's own words for its two detections: the heartbeat timer (§4.2.7: two missed
  // intervals) and the TCP stream ending without connection.close-ok.
  if (text === 'Heartbeat timeout')
    return {
      key: 'amqp.heartbeat_timeout',
      message: `${who}: no frame from the broker within two heartbeat intervals`,
      cause: 'keepalive_timeout',
    };
  if (text === 'Unexpected close')
    return {
      key: 'amqp.connection_lost',
      message: `${who}: the TCP connection ended without connection.close`,
      cause: 'closed',
    };
  if (typeof e.code === 'string' && RESET.has(e.code))
    return { key: `amqp.${e.code}`, message: `${who}: connection reset (${text})`, cause: 'reset' };
  // connection.close from the broker carries a reply code (320 CONNECTION_FORCED, 541 INTERNAL_ERROR, ...).
  const reply = typeof e.code === 'number' ? replyOf(err) : undefined;
  const { key, message } = channelError(err, `${who}: connection closed by the broker`);
  if (reply) return { key, message, cause: 'server_disconnect', replyCode: reply.code };
  return { key, message, cause: 'error' };
}
