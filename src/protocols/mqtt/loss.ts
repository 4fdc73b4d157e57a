// Why an established MQTT connection went away, from what MQTT.js and the socket said just
// before the close: the broker's DISCONNECT (5.0), a keepalive MQTT.js gave up on, a reset, any
// other socket error, or a plain FIN. One Loss per connection; the close reports it.
import { formatHex } from '../../base/format.ts';
import type { DisconnectCause } from '../driver.ts';
import { reasonWords } from './codes.ts';

export interface Loss {
  cause: DisconnectCause;
  /** Counted as errors.<key>. */
  key: string;
  message: string;
}

/** How sure each cause is: a DISCONNECT names its reason; an error beats a bare close. */
const RANK: Record<DisconnectCause, number> = {
  server_disconnect: 3,
  keepalive_timeout: 2,
  reset: 1,
  error: 1,
  closed: 0,
};

/** The better-founded of two explanations of the same loss (the first of equals). */
export function strongerLoss(a: Loss | undefined, b: Loss): Loss {
  return a && RANK[a.cause] >= RANK[b.cause] ? a : b;
}

/** §3.14 (5.0): the server's DISCONNECT says why it closes the connection. */
export function serverDisconnect(reasonCode: number): Loss {
  return {
    cause: 'server_disconnect',
    key: `mqtt.disconnect_${formatHex(reasonCode)}`,
    message: `the broker sent DISCONNECT: ${reasonWords(reasonCode)} (${formatHex(reasonCode)})`,
  };
}

/** An error MQTT.js emitted while it destroyed the connection. */
export function errorLoss(err: Error, keepaliveSec: number): Loss {
  const code = (err as { code?: unknown }).code;
  // MQTT.js (KeepaliveManager) gives up 1.5 keep-alive periods after the last packet that
  // answered it: it destroys the stream and emits this error, which has no code (§3.1.2.10).
  if (err.message === 'Keepalive timeout')
    return {
      cause: 'keepalive_timeout',
      key: 'mqtt.keepalive_timeout',
      message: `no PINGRESP from the broker within 1.5 × keep alive (${keepaliveSec}s)`,
    };
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return { cause: 'reset', key: 'mqtt.connection_lost', message: `connection reset (${code})` };
  return {
    cause: 'error',
    key: 'mqtt.connection_error',
    message: `connection failed: ${err.message}${typeof code === 'string' && !err.message.includes(code) ? ` (${code})` : ''}`,
  };
}

/** The stream closed with nothing said: the broker or the network ended it (TCP FIN). */
export const PLAIN_CLOSE: Loss = {
  cause: 'closed',
  key: 'mqtt.connection_lost',
  message: 'connection closed by the broker or network',
};
