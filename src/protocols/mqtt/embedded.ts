// The embedded MQTT broker (aedes) used when a scenario names no MQTT target: TCP and
// WebSocket listeners on free loopback ports, in the main thread. aedes speaks MQTT 3.1.1 only.

import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { EmbeddedServer } from '../driver.ts';

export async function startEmbeddedMqtt(): Promise<EmbeddedServer> {
  const broker = await Aedes.createBroker();
  // noDelay: small MQTT packets must not wait for Nagle + delayed ACK (up to 40 ms on loopback).
  const tcp: Server = createServer({ noDelay: true }, broker.handle);
  const http = createHttpServer();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (socket) => {
    const stream = createWebSocketStream(socket);
    // A client that vanishes mid-frame surfaces here; aedes handles the close itself.
    stream.on('error', () => undefined);
    broker.handle(stream as unknown as Parameters<typeof broker.handle>[0]);
  });
  tcp.listen(0, '127.0.0.1');
  http.listen(0, '127.0.0.1');
  await Promise.all([once(tcp, 'listening'), once(http, 'listening')]);
  const port = (s: { address(): unknown }): number => (s.address() as { port: number }).port;
  return {
    urls: { default: `mqtt://127.0.0.1:${port(tcp)}`, ws: `ws://127.0.0.1:${port(http)}` },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      tcp.close();
      http.close();
      wss.close();
      http.closeAllConnections();
    },
  };
}
