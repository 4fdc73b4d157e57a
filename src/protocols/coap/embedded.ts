// The embedded CoAP server: a sink on 127.0.0.1 (a free UDP port) that stores every POST/PUT
// as an observable resource, answers CON with piggybacked 2.01/2.04 (§5.2.1), and hands every
// body to the runner, which decodes the stamp for end-to-end latency and delivery accounting.
import type { EmbeddedServer, ReceivedMessage, SinkEvents } from '../driver.ts';
import { COAP_DEFAULTS } from './options.ts';
import { CoapServer } from './server.ts';

/** Messages remembered for duplicate detection (§4.5), beyond which the oldest are forgotten. */
export const EMBEDDED_DEDUP_CAPACITY = 500_000;

export async function startEmbeddedCoap(): Promise<EmbeddedServer> {
  // Until a sink is attached (a preflight, a test), what the server sees is not counted.
  let events: SinkEvents | undefined;
  const server = new CoapServer({
    writable: true,
    transmission: COAP_DEFAULTS.transmission,
    notify: 'NON',
    maxAgeSec: COAP_DEFAULTS.maxAgeSec,
    blockSize: COAP_DEFAULTS.blockSize,
    random: Math.random,
    dedupCapacity: EMBEDDED_DEDUP_CAPACITY,
    events: {
      onBody(path, payload, receivedUs) {
        const m: ReceivedMessage = { topic: path, payload, receivedUs, retained: false };
        events?.onMessage(m);
      },
      onCode(code) {
        events?.onCode(code);
      },
      onSocketError(err) {
        events?.onError('coap.socket', err.message);
      },
    },
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return {
    urls: { default: `coap://127.0.0.1:${port}` },
    close: () => server.close(),
    sink: {
      attach(e) {
        events = e;
      },
      get bytes() {
        return { sent: server.endpoint.bytesSent, received: server.endpoint.bytesReceived };
      },
      get datagrams() {
        return { sent: server.endpoint.datagramsSent, received: server.endpoint.datagramsReceived };
      },
    },
  };
}
