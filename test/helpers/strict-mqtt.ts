// A small in-process MQTT 5 peer for the cases no installed broker produces on demand: a CONNACK
// announcing limits (Maximum Packet Size 256, Maximum QoS 1, Retain Available 0, Receive Maximum,
// Topic Alias Maximum, no wildcard or shared subscriptions), a PUBACK answering a QoS 2 PUBLISH,
// a DISCONNECT with a chosen reason code, a client silent for 1.5 × Keep Alive closed, a session
// taken over by a second connection with its client id. Built on mqtt-packet's own parser and
// generator over net.createServer on port 0; it is a peer for tests, not a broker: it answers,
// records and enforces what it announced. It routes a PUBLISH to the live connections whose
// non-shared subscriptions match it, keeping each client's Maximum Packet Size, No Local and
// Retain As Published and passing the Payload Format Indicator and Subscription Identifier on;
// it keeps no session, no retained message and no will, and does not hold deliveries back for a
// client's Receive Maximum.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { generate, type IConnackPacket, type IPublishPacket, type Packet, parser as packetParser } from 'mqtt-packet';

export interface StrictConnection {
  /** The protocol version of the client's CONNECT. */
  readonly version: number;
  send(packet: Packet): void;
  /** Sends the packets in one write (one TCP segment on loopback): a burst. */
  sendAll(packets: Packet[]): void;
  /** Sends DISCONNECT with `reasonCode` (5.0 §3.14) and closes the socket, as a broker does. */
  disconnect(reasonCode: number): void;
}

export interface StrictMqttOptions {
  /**
   * CONNACK properties the peer announces (5.0 §3.2.2.3) and enforces on what the client sends:
   * a packet above maximumPacketSize is DISCONNECT 0x95, more than receiveMaximum unacknowledged
   * QoS 1/2 publishes 0x93, a topic alias above topicAliasMaximum (any when absent) 0x94, a
   * publish above maximumQoS 0x9B, a retained one with retainAvailable false 0x9A (§4.13); a
   * SUBSCRIBE to a wildcard or shared filter the peer said it has none of is refused in its
   * SUBACK (0xA2, 0x9E), and granted at most maximumQoS.
   */
  connack?: IConnackPacket['properties'];
  /** Answers a QoS 1/2 PUBLISH this long after it arrived: the client's in-flight window fills. */
  ackDelayMs?: number;
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

/** Why a client PUBLISH breaks what the CONNACK announced: the DISCONNECT reason code, or undefined. */
function breaks(p: IPublishPacket, limits: IConnackPacket['properties'], unacked: number): number | undefined {
  const l = limits ?? {};
  if (p.qos > 0 && unacked >= (l.receiveMaximum ?? 0xffff)) return 0x93; // [MQTT-3.3.4-7], §3.3.4
  const alias = p.properties?.topicAlias;
  if (alias !== undefined && (alias === 0 || alias > (l.topicAliasMaximum ?? 0))) return 0x94; // §3.3.2.3.4
  if (l.maximumQoS !== undefined && p.qos > l.maximumQoS) return 0x9b; // §3.2.2.3.4
  if (l.retainAvailable === false && p.retain) return 0x9a; // §3.2.2.3.5
  return undefined;
}

/** A topic filter matches a topic name level by level, '+' one level, '#' the rest (§4.7). */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

interface Subscriber {
  conn: StrictConnection;
  subs: Map<string, { qos: number; nl: boolean; rap: boolean; id: number | undefined }>;
  /** The client's Maximum Packet Size (§3.1.2.11.4). */
  maxPacket: number;
  nextId: number;
}

export async function startStrictMqtt(options: StrictMqttOptions = {}): Promise<StrictMqtt> {
  const received: StrictMqtt['received'] = [];
  const connections: StrictConnection[] = [];
  const subscribers = new Set<Subscriber>();
  /** Live connections by client id: a second CONNECT with one takes the session over. */
  const byClientId = new Map<string, StrictConnection>();
  /** Sends a client's PUBLISH on to every matching subscription (one copy per client, its highest QoS). */
  const route = (p: IPublishPacket, topic: string, from: Subscriber): void => {
    for (const s of subscribers) {
      const matched = [...s.subs].filter(
        ([f, o]) => !f.startsWith('$share/') && filterMatches(f, topic) && !(o.nl && s === from),
      );
      if (matched.length === 0) continue;
      const qos = Math.min(p.qos, Math.max(...matched.map(([, o]) => o.qos))) as 0 | 1 | 2;
      const ids = matched.flatMap(([, o]) => (o.id === undefined ? [] : [o.id]));
      const out: IPublishPacket = {
        cmd: 'publish',
        topic,
        payload: p.payload,
        qos,
        dup: false,
        // [MQTT-3.3.1-12], [MQTT-3.3.1-13]: RETAIN as published only for Retain As Published.
        retain: p.retain && matched.some(([, o]) => o.rap),
      };
      if (qos > 0) out.messageId = s.nextId = (s.nextId % 0xffff) + 1;
      const props: NonNullable<IPublishPacket['properties']> = {};
      // [MQTT-3.3.2-4]: the Payload Format Indicator unaltered; [MQTT-3.3.4-3]: the matched subscriptions' ids.
      if (p.properties?.payloadFormatIndicator !== undefined)
        props.payloadFormatIndicator = p.properties.payloadFormatIndicator;
      if (ids.length > 0)
        props.subscriptionIdentifier = ids.length === 1 ? (ids[0] as number) : (ids as unknown as number);
      if (Object.keys(props).length > 0) out.properties = props;
      // [MQTT-3.1.2-24], [MQTT-3.1.2-25]: too large for the client: discarded, as if sent.
      if (generate(out, { protocolVersion: 5 }).length > s.maxPacket) continue;
      s.conn.send(out);
    }
  };
  const sockets = new Set<Socket>();
  const limits = options.connack;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const parser = packetParser({ protocolVersion: 5 });
    let version = 5;
    /** QoS 1/2 publishes of the client not yet answered (PUBACK, or PUBCOMP for QoS 2). */
    let unacked = 0;

    // [MQTT-3.1.2-22] (3.1.1 [MQTT-3.1.2-24]): nothing from the client for 1.5 × Keep Alive
    // closes the connection; in 5.0 after DISCONNECT 0x8D (Keep Alive timeout, §3.14.2.1).
    let keepaliveMs = 0;
    let silence: NodeJS.Timeout | undefined;
    const heard = (): void => {
      if (silence) clearTimeout(silence);
      if (keepaliveMs > 0) silence = setTimeout(() => conn.disconnect(0x8d), keepaliveMs * 1.5);
    };
    socket.on('close', () => clearTimeout(silence));
    const conn: StrictConnection = {
      get version() {
        return version;
      },
      send(packet) {
        if (!socket.destroyed) socket.write(generate(packet, { protocolVersion: version }));
      },
      sendAll(packets) {
        if (!socket.destroyed)
          socket.write(Buffer.concat(packets.map((p) => generate(p, { protocolVersion: version }))));
      },
      disconnect(reasonCode) {
        if (version === 5) conn.send({ cmd: 'disconnect', reasonCode });
        socket.end();
      },
    };
    const me: Subscriber = { conn, subs: new Map(), maxPacket: Number.POSITIVE_INFINITY, nextId: 0 };
    /** The client's topic aliases (§3.3.2.3.4). */
    const aliases = new Map<number, string>();
    socket.on('close', () => subscribers.delete(me));
    const later = (fn: () => void): void => {
      if (options.ackDelayMs) setTimeout(fn, options.ackDelayMs);
      else fn();
    };
    parser.on('packet', (packet: Packet) => {
      const bytes = wireSize(packet.length ?? 0);
      received.push({ packet, bytes });
      if (packet.cmd === 'connect') keepaliveMs = (packet.keepalive ?? 0) * 1000;
      heard();
      const max = limits?.maximumPacketSize;
      // [MQTT-3.2.2-15]: the client must not send a packet above the server's Maximum Packet
      // Size; a server that gets one disconnects with 0x95 (§4.13).
      if (max !== undefined && bytes > max && packet.cmd !== 'connect') return conn.disconnect(0x95);
      if (packet.cmd === 'publish' && version === 5) {
        const reason = breaks(packet, limits, unacked);
        if (reason !== undefined) return conn.disconnect(reason);
      }
      answer(packet);
    });
    parser.on('error', () => conn.disconnect(0x81));
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    const grant = (topic: string, qos: number): number => {
      // §3.2.2.3.11, §3.2.2.3.13: refused in the SUBACK; a grant is at most Maximum QoS (§3.2.2.3.4).
      if (limits?.sharedSubscriptionAvailable === false && topic.startsWith('$share/')) return 0x9e;
      if (limits?.wildcardSubscriptionAvailable === false && /(^|\/)[+#](\/|$)/.test(topic)) return 0xa2;
      return Math.min(qos, limits?.maximumQoS ?? 2);
    };
    const answer = (packet: Packet): void => {
      switch (packet.cmd) {
        case 'connect':
          version = packet.protocolVersion ?? 4;
          // [MQTT-3.1.4-2]; 5.0 [MQTT-3.1.4-3]: the existing connection is closed, after DISCONNECT 0x8E.
          byClientId.get(packet.clientId)?.disconnect(0x8e);
          byClientId.set(packet.clientId, conn);
          socket.on('close', () => {
            if (byClientId.get(packet.clientId) === conn) byClientId.delete(packet.clientId);
          });
          connections.push(conn);
          subscribers.add(me);
          if (packet.properties?.maximumPacketSize) me.maxPacket = packet.properties.maximumPacketSize;
          conn.send(
            version === 5
              ? { cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: limits ?? {} }
              : { cmd: 'connack', sessionPresent: false, returnCode: 0 },
          );
          return;
        case 'publish': {
          if (options.onPublish?.(packet, conn)) return;
          const alias = packet.properties?.topicAlias;
          if (alias !== undefined && packet.topic) aliases.set(alias, packet.topic);
          const topic = packet.topic || (alias === undefined ? undefined : aliases.get(alias));
          // §3.3.2.3.4: an alias never set up is a protocol error.
          if (topic === undefined) {
            conn.disconnect(0x82);
            return;
          }
          route(packet, topic, me);
          if (packet.qos === 1) {
            unacked++;
            later(() => {
              unacked--;
              conn.send({ cmd: 'puback', messageId: packet.messageId });
            });
          }
          if (packet.qos === 2) {
            unacked++;
            later(() => conn.send({ cmd: 'pubrec', messageId: packet.messageId }));
          }
          return;
        }
        case 'pubrel':
          unacked = Math.max(0, unacked - 1);
          conn.send({ cmd: 'pubcomp', messageId: packet.messageId });
          return;
        case 'subscribe': {
          const granted = packet.subscriptions.map((s) => (version === 5 ? grant(s.topic, s.qos) : s.qos));
          const id = packet.properties?.subscriptionIdentifier;
          packet.subscriptions.forEach((s, i) => {
            const qos = granted[i] as number;
            if (qos < 0x80) me.subs.set(s.topic, { qos, nl: s.nl === true, rap: s.rap === true, id });
          });
          conn.send({ cmd: 'suback', messageId: packet.messageId, granted });
          return;
        }
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
