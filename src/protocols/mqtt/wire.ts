// MQTT on the wire as fleetbench counts it: what each packet type is for (as the power model
// prices it), and every byte MQTT.js writes to and reads from a client's stream.

import { Writable } from 'node:stream';
import type { MqttClient, Packet } from 'mqtt';
import { writeToStream } from 'mqtt-packet';
import type { WireKind } from '../../power/wire.ts';

// mqtt-packet fills a cache of 65,536 two-byte buffers on its first writeToStream: tens to
// hundreds of ms on a busy machine, inside a worker's first client.connect(), after the socket
// opened, so inside its first connect latency. It is filled here, when the driver loads.
writeToStream({ cmd: 'pingreq' }, new Writable({ write: (_chunk, _enc, done) => done() }));

/** What each packet type is for, as the power model prices it. */
export function kindOf(cmd: Packet['cmd']): WireKind {
  if (cmd === 'publish' || cmd === 'puback' || cmd === 'pubrec' || cmd === 'pubrel' || cmd === 'pubcomp') return 'data';
  if (cmd === 'pingreq' || cmd === 'pingresp') return 'keepalive';
  // CONNECT/CONNACK, SUBSCRIBE/SUBACK, UNSUBSCRIBE/UNSUBACK, DISCONNECT, AUTH: session setup and teardown.
  return 'handshake';
}

/** Calls `sent` with the size of every chunk written to the client's stream, `received` of every chunk read. */
export function countStreamBytes(
  client: MqttClient,
  sent: (size: number) => void,
  received: (size: number) => void,
): void {
  const stream = client.stream;
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  // mqtt-packet writes each packet as several chunks (header, topic, payload); all count.
  (stream as { write: typeof write }).write = (chunk: unknown, ...rest: unknown[]) => {
    sent(typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).length);
    return write(chunk, ...rest);
  };
  stream.on('data', (chunk: Uint8Array) => received(chunk.length));
}
