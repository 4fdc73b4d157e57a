// A small in-process MQTT 5 peer for the cases no installed broker produces on demand: a CONNACK
// announcing limits (Maximum Packet Size 256, Maximum QoS 1, Retain Available 0), a PUBACK
// answering a QoS 2 PUBLISH, a DISCONNECT with a chosen reason code. Built on mqtt-packet's own
// parser and generator over net.createServer on port 0; it is a peer for tests, not a broker: it
// answers, records and enforces what it announced, and routes nothing.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { generate, type IConnackPacket, type IPublishPacket, type Packet, parser as packetParser } from 'mqtt-packet';

export interface StrictConnection {
  /** The protocol version of the client's CONNECT. */
  readonly version: number;
  send(packet: Packet): void;
  /** Sends DISCONNECT with `reasonCode` (5.0 §3.14) and closes the socket, as a broker does. */
  disconnect(reasonCode: number): void;
}

export interface StrictMqttOptions {
  /** CONNACK properties the peer announces (5.0 §3.2.2.3); it enforces maximumPacketSize. */
  connack?: IConnackPacket['properties'];
  /**
   * How a PUBLISH is answered; return true when handled. Default: PUBACK for QoS 1, PUBREC for
   * QoS 2 (then PUBCOMP for the PUBREL), as §4.3 requires.
   */
  onPublish?(packet: IPublishPacket, conn: StrictConnection): boolean;
}

export interface StrictMqtt {
  url: string;
  /** Every packet received, with its size on the wire in bytes. */
  readonly received: { packet: Packet; bytes: number }[];
  /** Live connections, newest last. */
  readonly connections: StrictConnection[];
  close(): Promise<void>;
}

/** Bytes of a packet on the wire: fixed header (1) + Remaining Length varint + remaining (§2.1). */
function wireSize(remaining: number): number {
  let varint = 1;
  for (let n = remaining; n > 127; n >>= 7) varint++;
  return 1 + varint + remaining;
}

export async function startStrictMqtt(options: StrictMqttOptions = {}): Promise<StrictMqtt> {
  const received: StrictMqtt['received'] = [];
  const connections: StrictConnection[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const parser = packetParser({ protocolVersion: 5 });
    let version = 5;
    const conn: StrictConnection = {
      get version() {
        return version;
      },
      send(packet) {
        if (!socket.destroyed) socket.write(generate(packet, { protocolVersion: version }));
      },
      disconnect(reasonCode) {
        if (version === 5) conn.send({ cmd: 'disconnect', reasonCode });
        socket.end();
      },
    };
    parser.on('packet', (packet: Packet) => {
      const bytes = wireSize(packet.length ?? 0);
      received.push({ packet, bytes });
      const max = options.connack?.maximumPacketSize;
      // [MQTT-3.2.2-15]: the client must not send a packet above the server's Maximum Packet
      // Size; a server that gets one disconnects with 0x95 (§4.13).
      if (max !== undefined && bytes > max && packet.cmd !== 'connect') return conn.disconnect(0x95);
      answer(packet);
    });
    parser.on('error', () => conn.disconnect(0x81));
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    const answer = (packet: Packet): void => {
      switch (packet.cmd) {
        case 'connect':
          version = packet.protocolVersion ?? 4;
          connections.push(conn);
          conn.send(
            version === 5
              ? { cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: options.connack ?? {} }
              : { cmd: 'connack', sessionPresent: false, returnCode: 0 },
          );
          return;
        case 'publish':
          if (options.onPublish?.(packet, conn)) return;
          if (packet.qos === 1) conn.send({ cmd: 'puback', messageId: packet.messageId });
          if (packet.qos === 2) conn.send({ cmd: 'pubrec', messageId: packet.messageId });
          return;
        case 'pubrel':
          conn.send({ cmd: 'pubcomp', messageId: packet.messageId });
          return;
        case 'subscribe':
          conn.send({
            cmd: 'suback',
            messageId: packet.messageId,
            granted: packet.subscriptions.map((s) => s.qos),
          });
          return;
        case 'pingreq':
          conn.send({ cmd: 'pingresp' });
          return;
        case 'disconnect':
          socket.end();
          return;
        default:
      }
    };
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    received,
    connections,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
