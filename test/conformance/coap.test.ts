// The CoAP driver against the driver conformance suite, on the embedded server. A receiver
// "subscribes" by observing a resource (RFC 7641); the sender POSTs to it. An error response
// comes from libcoap's example server.

import { startEmbeddedCoap } from '../../src/protocols/coap/embedded.ts';
import { coapDriver } from '../../src/protocols/coap/index.ts';
import { startLibcoapServer } from '../helpers/coap-peers.ts';
import { uniq } from '../helpers/devices.ts';
import { type DriverSpec, describeDriver } from './describe-driver.ts';

const spec: DriverSpec = {
  ackedOptions: { type: 'CON', method: 'POST' },
  address: () => {
    const path = `/conformance/${uniq()}`;
    return { send: path, subscribe: path };
  },
  refusedUrl: (port) => `coap://127.0.0.1:${port}`,
  // ACK_TIMEOUT 100 ms, MAX_RETRANSMIT 2: gives up after at most 0.15 × (1 + 2 + 4) s ≈ 1.05 s.
  connectionless: {
    options: { type: 'CON', ackTimeout: '100ms', maxRetransmit: 2 },
    timeoutCode: ['coap', 'timeout'],
    withinMs: 1100,
  },
  errorResponse: {
    // libcoap's example server answers a POST to / with 4.05 Method Not Allowed (RFC 7252
    // §5.9.2): an error by its code, as the HTTP driver counts a non-2xx, never an ack.
    start: async () => {
      const server = await startLibcoapServer();
      return {
        url: server.url,
        options: { type: 'CON', method: 'POST' },
        send: '/',
        error: /^coap\.response_4\.05$/,
        close: () => server.stop(),
      };
    },
  },
};

describeDriver(
  'the embedded server',
  coapDriver,
  async () => {
    const server = await startEmbeddedCoap();
    return { url: server.urls.default!, close: () => server.close() };
  },
  spec,
);
