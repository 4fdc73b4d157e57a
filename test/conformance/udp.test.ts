// The UDP driver (the smallest driver, see docs/writing-a-driver.md) against the driver
// conformance suite. Receivers listen on their own port, as HTTP webhook endpoints do; the
// embedded collector is the peer. UDP has no connection to refuse: a datagram nobody acks is a timeout.
import { startEmbeddedUdp } from '../../src/protocols/udp/embedded.ts';
import { udpDriver } from '../../src/protocols/udp/index.ts';
import { type DriverSpec, describeDriver } from './describe-driver.ts';

const spec: DriverSpec = {
  ackedOptions: {},
  // Datagrams carry no address of their own: the port is the address.
  address: () => ({ send: 'conformance', subscribe: 'conformance' }),
  refusedUrl: (port) => `udp://127.0.0.1:${port}`,
  connectionless: { options: { timeout: '200ms' }, timeoutCode: ['udp', 'timeout'], withinMs: 300 },
  listeningReceiver: {
    options: (port: number) => ({ listen: { port } }),
    url: (port: number) => `udp://127.0.0.1:${port}`,
  },
};

describeDriver(
  'the embedded collector',
  udpDriver,
  async () => {
    const server = await startEmbeddedUdp();
    return { url: server.urls.default as string, close: () => server.close() };
  },
  spec,
);
