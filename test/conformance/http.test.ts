// The HTTP driver against the driver conformance suite. Senders POST to a receiver device that
// listens (a webhook endpoint, as HTTP receivers are servers); connect is the TCP handshake, so a
// silent server shows at the first request, as a timeout.

import { once } from 'node:events';
import { createServer } from 'node:http';
import { startEmbeddedHttp } from '../../src/protocols/http/embedded.ts';
import { httpDriver } from '../../src/protocols/http/index.ts';
import { uniq } from '../helpers/devices.ts';
import { type DriverSpec, describeDriver } from './describe-driver.ts';

const spec: DriverSpec = {
  ackedOptions: { method: 'POST' },
  address: () => {
    const path = `/conformance/${uniq()}`;
    return { send: path, subscribe: path };
  },
  refusedUrl: (port: number) => `http://127.0.0.1:${port}`,
  silentPeer: { options: { timeout: '300ms' }, timeoutCode: ['http', 'timeout'], withinMs: 300 },
  listeningReceiver: {
    options: (port: number) => ({ listen: { port } }),
    url: (port: number) => `http://127.0.0.1:${port}`,
  },
  errorResponse: {
    // A server (Node's own HTTP server) answering every request 503 Service Unavailable: RFC 9110
    // §15.3, only a 2xx says the server accepted the body.
    start: async () => {
      const server = createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(503, { 'Content-Length': '0' }).end());
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as { port: number };
      return {
        url: `http://127.0.0.1:${port}`,
        send: `/conformance/${uniq()}`,
        error: /^http\.status_503$/,
        close: async () => {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
  },
};

describeDriver(
  'the embedded server',
  httpDriver,
  async () => {
    const server = await startEmbeddedHttp();
    return { url: server.urls.default!, close: () => server.close() };
  },
  spec,
);
