// A TCP forwarder in front of an MQTT broker that reads the MQTT fixed header of every packet
// it relays (§2.2), independently of fleetbench and MQTT.js: what went on the wire, DUP bit
// included. It can also end the device's side of every connection with a FIN or a reset, or
// stop relaying the broker's packets (a silent network), to make a device lose its connection
// in a known way while the broker stays up.
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

export interface TappedPacket {
  /** Which relayed connection (1 = the first accepted). */
  connection: number;
  /** 'publish', 'puback', ... by control packet type (§2.2.1). */
  type: string;
  dup: boolean;
  qos: number;
  /** PUBLISH with QoS > 0, PUBACK, PUBREC, PUBREL, PUBCOMP. */
  messageId?: number;
  topic?: string;
  /** CONNACK: the Session Present flag (§3.2.2.2). */
  sessionPresent?: boolean;
}

export interface MqttTap {
  url: string;
  /** Device → broker. */
  up: TappedPacket[];
  /** Broker → device. */
  down: TappedPacket[];
  /** Bytes relayed device → broker (up) and broker → device (down). */
  bytes: { up: number; down: number };
  /** Ends the device's side of every open connection: 'fin' closes it, 'reset' sends an RST. */
  cut(how: 'fin' | 'reset'): void;
  /** Stops relaying broker → device (true) or resumes (false): the broker goes silent. */
  mute(on: boolean): void;
  close(): Promise<void>;
}

const TYPES = [
  'reserved',
  'connect',
  'connack',
  'publish',
  'puback',
  'pubrec',
  'pubrel',
  'pubcomp',
  'subscribe',
  'suback',
  'unsubscribe',
  'unsuback',
  'pingreq',
  'pingresp',
  'disconnect',
  'auth',
];

/** Splits a byte stream into MQTT packets and reads what the tests look at. */
function packetReader(connection: number, out: TappedPacket[]): (chunk: Buffer) => void {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      // §2.2.3 Remaining Length: up to four bytes, seven bits each.
      let length = 0;
      let i = 1;
      let multiplier = 1;
      for (;;) {
        if (i >= buf.length) return;
        const b = buf[i++] as number;
        length += (b & 0x7f) * multiplier;
        multiplier *= 128;
        if ((b & 0x80) === 0) break;
      }
      if (buf.length < i + length) return;
      const first = buf[0] as number;
      const body = buf.subarray(i, i + length);
      buf = buf.subarray(i + length);
      const type = TYPES[first >> 4] ?? 'reserved';
      const p: TappedPacket = { connection, type, dup: (first & 0x08) !== 0, qos: (first >> 1) & 3 };
      if (type === 'publish') {
        const topicLength = body.readUInt16BE(0);
        p.topic = body.subarray(2, 2 + topicLength).toString();
        if (p.qos > 0) p.messageId = body.readUInt16BE(2 + topicLength);
      } else if (['puback', 'pubrec', 'pubrel', 'pubcomp'].includes(type)) {
        p.messageId = body.readUInt16BE(0);
      } else if (type === 'connack') {
        p.sessionPresent = ((body[0] as number) & 1) === 1;
      }
      out.push(p);
    }
  };
}

/** A tapping forwarder to 127.0.0.1:`port`; each accepted connection opens one to the broker. */
export async function mqttTap(port: number): Promise<MqttTap> {
  const up: TappedPacket[] = [];
  const down: TappedPacket[] = [];
  const bytes = { up: 0, down: 0 };
  const devices = new Set<Socket>();
  const sockets = new Set<Socket>();
  let connections = 0;
  let muted = false;
  const server = createServer((device) => {
    const n = ++connections;
    const broker = connect({ port, host: '127.0.0.1' });
    devices.add(device);
    for (const s of [device, broker]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        devices.delete(device);
      });
    }
    const readUp = packetReader(n, up);
    const readDown = packetReader(n, down);
    device.on('data', (d: Buffer) => {
      bytes.up += d.length;
      readUp(d);
      broker.write(d);
    });
    broker.on('data', (d: Buffer) => {
      if (muted) return;
      bytes.down += d.length;
      readDown(d);
      device.write(d);
    });
    // The broker went away: the device sees its side end the same way.
    broker.on('end', () => device.end());
    broker.on('close', () => device.destroy());
    device.on('close', () => broker.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const listening = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${listening}`,
    up,
    down,
    bytes,
    cut(how) {
      for (const d of devices) {
        if (how === 'reset') d.resetAndDestroy();
        else d.end();
      }
    },
    mute(on) {
      muted = on;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
