// The WebSocket bridge driver against the driver conformance suite, on the embedded hub: the
// receiver subscribes with an MQTT filter, the sender publishes and gets 'published'. A refused
// upgrade and a Close frame come from servers of the ws package.

import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import { startEmbeddedWs } from '../../src/protocols/ws/embedded.ts';
import { wsDriver } from '../../src/protocols/ws/index.ts';
import { uniq } from '../helpers/devices.ts';
import { type DriverSpec, describeDriver } from './describe-driver.ts';

const spec: DriverSpec = {
  ackedOptions: {},
  address: () => {
    const id = uniq();
    return { send: `fbtest/conformance/${id}/gps`, subscribe: `fbtest/conformance/${id}/+` };
  },
  refusedUrl: (port) => `ws://127.0.0.1:${port}`,
  refusal: {
    // A server (the ws package's) refusing the upgrade with 401 Unauthorized (RFC 6455 §4.1:
    // any status but 101 ends the handshake).
    start: async () => {
      const wss = new WebSocketServer({
        port: 0,
        host: '127.0.0.1',
        verifyClient: (_info, done) => done(false, 401, 'Unauthorized'),
      });
      await once(wss, 'listening');
      return {
        url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
        reasonCodes: [401],
        name: /401 Unauthorized/,
        close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
      };
    },
  },
  disconnectReason: {
    // A server that ends the connection with a Close frame, 1008 Policy Violation (RFC 6455 §7.4.1).
    start: async () => {
      const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
      await once(wss, 'listening');
      return {
        url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
        cause: 'server_disconnect',
        key: /^ws\.closed_1008$/,
        kick: async () => {
          for (const client of wss.clients) client.close(1008, 'policy');
        },
        close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
      };
    },
  },
};

describeDriver(
  'the embedded hub',
  wsDriver,
  async () => {
    const server = await startEmbeddedWs();
    return { url: server.urls.default!, close: () => server.close() };
  },
  spec,
);
