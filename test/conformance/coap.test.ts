// The CoAP driver against the driver conformance suite, on the embedded server. A receiver
// "subscribes" by observing a resource (RFC 7641); the sender POSTs to it.

import { startEmbeddedCoap } from '../../src/protocols/coap/embedded.ts';
import { coapDriver } from '../../src/protocols/coap/index.ts';
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
