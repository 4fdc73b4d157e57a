// Why a WebSocket connection went away, from its close code (RFC 6455 §7.4.1) and the errno of
// the socket's last error: a Close frame from the bridge is its goodbye; 1006 means none came,
// and the socket says whether the connection was reset or just ended.
import type { DisconnectCause } from '../driver.ts';

/** Socket errors that mean the peer or the network reset the connection. */
const RESET = new Set(['ECONNRESET', 'EPIPE']);

export function lossOf(
  code: number,
  reason: string,
  socketError: string | undefined,
): { key: string; message: string; cause: DisconnectCause } {
  const why = reason.length > 0 ? `: ${reason}` : '';
  // §7.1.5: 1006 is never sent on the wire; ws reports it when no Close frame arrived.
  if (code !== 1006)
    return {
      key: `ws.closed_${code}`,
      message: `the bridge closed the connection (close code ${code}${why})`,
      cause: 'server_disconnect',
    };
  if (socketError !== undefined)
    return {
      key: `ws.${socketError}`,
      message: `connection lost without a Close frame (${socketError})`,
      cause: RESET.has(socketError) ? 'reset' : 'error',
    };
  return {
    key: 'ws.closed_1006',
    message: 'connection closed by the bridge or network without a Close frame (close code 1006)',
    cause: 'closed',
  };
}
