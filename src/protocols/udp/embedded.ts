// The embedded UDP collector used when a scenario names no `udp` target: a socket on a free
// loopback port that acks every stamped datagram and hands it to the run as a receiver (its sink).

import { nowUs } from '../../metrics/clock.ts';
import type { EmbeddedServer, SinkEvents } from '../driver.ts';
import { UDP_CODES } from './codes.ts';
import { UdpEndpoint } from './endpoint.ts';

export async function startEmbeddedUdp(): Promise<EmbeddedServer> {
  let events: SinkEvents | undefined;
  const endpoint = new UdpEndpoint(
    '127.0.0.1',
    (buf, from) => {
      events?.onMessage({ topic: 'udp:embedded', payload: buf, receivedUs: nowUs(), retained: false });
      if (endpoint.ack(buf, from)) events?.onCode(UDP_CODES.keys.udp.ack_sent);
    },
    (err) => events?.onError('udp.socket', err.message),
  );
  await endpoint.bind(0, '127.0.0.1');
  const { port } = endpoint.socket.address();
  return {
    urls: { default: `udp://127.0.0.1:${port}` },
    close: async () => endpoint.close(),
    sink: {
      attach(e) {
        events = e;
      },
      get bytes() {
        return { ...endpoint.bytes };
      },
      get datagrams() {
        return { ...endpoint.datagrams };
      },
    },
  };
}
