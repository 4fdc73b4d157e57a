// The embedded WebSocket hub used when a scenario names no `ws` target: a WebSocket server on
// 127.0.0.1 (a free port) in the main thread, speaking the bridge protocol as a pub/sub hub.

import { once } from 'node:events';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import type { EmbeddedServer } from '../driver.ts';
import { WsFanout, type WsFanoutOptions, type WsFanoutStats } from './fanout.ts';

export interface EmbeddedHub extends EmbeddedServer<WsFanoutStats> {
  /** The hub's subscriptions and counters (overflow included). */
  fanout: WsFanout;
}

/** Largest frame a client may send (ws's default is 100 MiB); larger ones close the connection with 1009 (RFC 6455 §7.4.1). */
const MAX_FRAME_BYTES = 64 << 20;

export async function startEmbeddedWs(options: WsFanoutOptions = {}): Promise<EmbeddedHub> {
  const http = createServer((_req, res) => {
    // RFC 6455 §4.2.2: anything but an Upgrade is not for this server.
    res.writeHead(426, { Upgrade: 'websocket', 'Content-Type': 'text/plain' }).end('WebSocket upgrade required\n');
  });
  // permessage-deflate (RFC 7692) is only negotiated with clients that offer it.
  const wss = new WebSocketServer({ server: http, perMessageDeflate: true, maxPayload: MAX_FRAME_BYTES });
  const fanout = new WsFanout(options);
  fanout.attach(wss);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as { port: number };
  return {
    urls: { default: `ws://127.0.0.1:${port}` },
    fanout,
    // The getter builds a fresh object (errors copied too) on every read.
    stats: () => fanout.stats,
    async close() {
      fanout.close();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
