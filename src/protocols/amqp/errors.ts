// AMQP failures as users need to read them: the reply code and text the broker sent
// (connection.close and channel.close; the codes are the AMQP 0-9-1 constants: 312 NO_ROUTE,
// 403 ACCESS_REFUSED, 404 NOT_FOUND, 406 PRECONDITION_FAILED, 530 NOT_ALLOWED, ...).
import { ErrorCodes, FleetbenchError } from '../../base/errors.ts';
import { maskUrl } from '../../base/url.ts';
import { connectFailure } from '../connect-errors.ts';

/** The reply code and its name, parsed from amqplib's message: "... 406 (PRECONDITION-FAILED) with message "..."". */
export function replyOf(err: unknown): { code: number; name: string; text: string } | undefined {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  const m = /(\d{3}) \(([A-Z-]+)\)(?: with message "(.*)")?/s.exec(message);
  if (m) return { code: Number(m[1]), name: (m[2] as string).replaceAll('-', '_'), text: m[3] ?? '' };
  if (typeof e?.code === 'number') return { code: e.code, name: '', text: message };
  return undefined;
}

/** A connect-time failure (socket, handshake, channel open) as a FleetbenchError with the reason code. */
export function amqpConnectError(err: unknown, url: string, where = maskUrl(url)): FleetbenchError {
  if (err instanceof FleetbenchError) return err;
  const e = err as { code?: unknown; message?: string } | undefined;
  const reply = replyOf(err);
  if (reply) {
    // 403 ACCESS_REFUSED: bad credentials or no permission on the vhost; 530 NOT_ALLOWED: no such vhost.
    return new FleetbenchError(
      ErrorCodes.CONNECT_REJECTED,
      `${where}: broker refused the connection: ${reply.code} ${reply.name}${reply.text ? ` — ${reply.text}` : ''}`,
      { reasonCode: reply.code, cause: err },
    );
  }
  // amqplib reports a refused connection.open (an unknown vhost) as an unexpected ConnectionClose.
  if (e?.message?.includes('ConnectionClose')) {
    return new FleetbenchError(
      ErrorCodes.CONNECT_REJECTED,
      `${where}: broker closed the connection during the handshake (${e.message}); check the vhost in the URL and the user's permissions`,
      { reasonCode: 'CONNECTION_CLOSE', cause: err },
    );
  }
  return connectFailure(where, err);
}

/** An error on an open channel or connection: the counter key ('amqp.406') and a readable message. */
export function channelError(err: unknown, doing: string): { key: string; message: string } {
  const reply = replyOf(err);
  if (reply)
    return {
      key: `amqp.${reply.code}`,
      message: `${doing}: ${reply.code} ${reply.name}${reply.text ? ` — ${reply.text}` : ''}`,
    };
  const e = err as { code?: unknown; message?: string } | undefined;
  return {
    key: typeof e?.code === 'string' ? `amqp.${e.code}` : 'amqp.error',
    message: `${doing}: ${e?.message ?? String(err)}`,
  };
}

/** connect() gave up waiting for the connection and its channel. */
export function connectTimeoutError(url: string, ms: number): FleetbenchError {
  return new FleetbenchError(
    ErrorCodes.CONNECT_TIMEOUT,
    `${maskUrl(url)}: no connection.open-ok within ${ms}ms (connect timeout)`,
    { reasonCode: 'TIMEOUT' },
  );
}
