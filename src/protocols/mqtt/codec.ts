// MQTT packets to and from bytes for the lean device (device.ts): framing a byte stream into
// packets by the fixed header (§2.2: one byte of type and flags, then the Remaining Length as a
// Variable Byte Integer, §1.5.5 / §2.2.3), decoding the frequent small packets by hand and the
// rest with one shared mqtt-packet parser per protocol version (a parser per connection would
// cost a few KiB each), and encoding the hot PUBLISH into one buffer.
import { generate, type IPublishPacket, type Packet, parser as packetParser } from 'mqtt-packet';
import type { WireKind } from '../../power/wire.ts';

// mqtt-packet fills a cache of 65,536 two-byte buffers on its first encode: tens to hundreds of
// ms on a busy machine, which inside a worker's first connect would land in its connect
// latency. It is filled here, when the driver loads.
generate({ cmd: 'pingreq' });

/** What each packet type is for, as the power model prices it. */
export function kindOf(cmd: Packet['cmd'] | 'reserved'): WireKind {
  if (cmd === 'publish' || cmd === 'puback' || cmd === 'pubrec' || cmd === 'pubrel' || cmd === 'pubcomp') return 'data';
  if (cmd === 'pingreq' || cmd === 'pingresp') return 'keepalive';
  // CONNECT/CONNACK, SUBSCRIBE/SUBACK, UNSUBSCRIBE/UNSUBACK, DISCONNECT, AUTH: session setup and teardown.
  return 'handshake';
}

/**
 * The packets (by type, §2.2.1) that end a round trip of this device, the kind of wait each is:
 * the answer to something it sent and then waited for. CONNACK (§3.2) answers CONNECT, SUBACK
 * (§3.9) and UNSUBACK (§3.11) answer what is counted as handshake; PUBACK (§3.4) ends a QoS 1
 * PUBLISH, PUBREC (§3.5) and PUBCOMP (§3.7) the two round trips of a QoS 2 PUBLISH (§4.3.3);
 * PINGRESP (§3.13) answers PINGREQ. A client only receives these for what it sent. PUBREL (§3.6)
 * is a wait too: a subscriber that answered a QoS 2 PUBLISH with PUBREC waits for PUBREL before
 * it completes with PUBCOMP (§4.3.3, receiver side), so it must keep listening for it. A PUBLISH
 * received is not: the device did not ask for it.
 */
export const WAIT_OF: readonly (WireKind | undefined)[] = Array.from({ length: 16 }, (_, t) =>
  t === 2 || t === 9 || t === 11 ? 'handshake' : t >= 4 && t <= 7 ? 'data' : t === 13 ? 'keepalive' : undefined,
);

/** §2.2.1 Table 2.1: control packet types by their number. */
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
] as const;

export function cmdOf(firstByte: number): (typeof TYPES)[number] {
  return TYPES[firstByte >> 4] ?? 'reserved';
}

/**
 * The end of the fixed header of the packet starting at `pos` (where its variable header
 * starts) and the packet's end, or undefined while `buf` does not hold the whole packet yet.
 * Throws on a Remaining Length longer than 4 bytes (§1.5.5: malformed).
 */
export function frameAt(buf: Buffer, pos: number): { body: number; end: number } | undefined {
  let length = 0;
  let multiplier = 1;
  for (let i = pos + 1; i < pos + 5; i++) {
    if (i >= buf.length) return undefined;
    const b = buf[i] as number;
    length += (b & 0x7f) * multiplier;
    multiplier *= 128;
    if ((b & 0x80) === 0) return i + 1 + length <= buf.length ? { body: i + 1, end: i + 1 + length } : undefined;
  }
  throw new Error('malformed Remaining Length (more than 4 bytes, §1.5.5)');
}

let parsed: Packet | undefined;
let parseError: Error | undefined;
const parsers = new Map<number, ReturnType<typeof packetParser>>();

function parserFor(version: 4 | 5): ReturnType<typeof packetParser> {
  let p = parsers.get(version);
  if (!p) {
    p = packetParser({ protocolVersion: version });
    p.on('packet', (packet: Packet) => (parsed = packet));
    p.on('error', (err: Error) => (parseError = err));
    parsers.set(version, p);
  }
  return p;
}

const PINGRESP: Packet = Object.freeze({ cmd: 'pingresp' }) as Packet;

/**
 * Decodes one whole packet (`frame` from its first byte to its end). Acknowledgements without a
 * reason code, PINGRESP and 3.1.1 PUBLISH are read here; everything else by mqtt-packet.
 */
export function decode(frame: Buffer, body: number, version: 4 | 5): Packet {
  const first = frame[0] as number;
  const cmd = cmdOf(first);
  const length = frame.length - body;
  if (cmd === 'pingresp' && length === 0) return PINGRESP;
  // §3.4.2: a 2-byte PUBACK/PUBREC/PUBREL/PUBCOMP is the packet identifier alone (reason 0x00 in 5.0, §3.4.2.1).
  if ((cmd === 'puback' || cmd === 'pubrec' || cmd === 'pubcomp' || cmd === 'pubrel') && length === 2)
    return { cmd, messageId: frame.readUInt16BE(body) } as Packet;
  if (cmd === 'publish' && version === 4) {
    // §3.3.1: DUP, QoS and RETAIN in the flags; §3.3.2: topic, then the packet identifier for QoS > 0.
    const qos = (first >> 1) & 3;
    const topicLength = frame.readUInt16BE(body);
    const topicEnd = body + 2 + topicLength;
    if (qos < 3 && topicEnd + (qos > 0 ? 2 : 0) <= frame.length) {
      const packet: IPublishPacket = {
        cmd,
        topic: frame.toString('utf8', body + 2, topicEnd),
        payload: frame.subarray(topicEnd + (qos > 0 ? 2 : 0)),
        qos: qos as 0 | 1 | 2,
        dup: (first & 8) !== 0,
        retain: (first & 1) !== 0,
      };
      if (qos > 0) packet.messageId = frame.readUInt16BE(topicEnd);
      return packet;
    }
  }
  const p = parserFor(version);
  parsed = undefined;
  parseError = undefined;
  p.parse(frame);
  const out = parsed as Packet | undefined;
  if (parseError || !out) throw parseError ?? new Error(`could not decode a ${cmd} packet`);
  return out;
}

/** Bytes a Variable Byte Integer takes (§1.5.5). */
function varIntBytes(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

function writeVarInt(buf: Buffer, pos: number, n: number): number {
  let v = n;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    buf[pos++] = b;
  } while (v > 0);
  return pos;
}

type PublishProperties = NonNullable<IPublishPacket['properties']>;

function utf8(id: number, value: string): Buffer {
  const b = Buffer.allocUnsafe(3 + Buffer.byteLength(value));
  b[0] = id;
  b.writeUInt16BE(b.length - 3, 1);
  b.write(value, 3, 'utf8');
  return b;
}

/**
 * 5.0 §3.3.2.3: the properties the device puts on a PUBLISH, as bytes (without their length),
 * in the object's order as mqtt-packet writes them: Payload Format Indicator, Message Expiry
 * Interval, Content Type, Response Topic, Correlation Data, User Properties, Topic Alias.
 * Undefined for any other property: the packet then goes through mqtt-packet.
 */
export function encodeProperties(properties: PublishProperties): Buffer | undefined {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(properties)) {
    if (value === undefined || value === null) continue;
    switch (name) {
      case 'payloadFormatIndicator':
        parts.push(Buffer.from([0x01, Number(value)]));
        break;
      case 'messageExpiryInterval': {
        const b = Buffer.allocUnsafe(5);
        b[0] = 0x02;
        b.writeUInt32BE(value as number, 1);
        parts.push(b);
        break;
      }
      case 'contentType':
        parts.push(utf8(0x03, value as string));
        break;
      case 'responseTopic':
        parts.push(utf8(0x08, value as string));
        break;
      case 'correlationData': {
        const data = value as Buffer;
        const b = Buffer.allocUnsafe(3 + data.length);
        b[0] = 0x09;
        b.writeUInt16BE(data.length, 1);
        data.copy(b, 3);
        parts.push(b);
        break;
      }
      case 'topicAlias':
        parts.push(Buffer.from([0x23, (value as number) >> 8, (value as number) & 0xff]));
        break;
      case 'userProperties':
        // §3.3.2.3.7: one UTF-8 string pair per name and value; a name may repeat.
        for (const [k, v] of Object.entries(value as Record<string, string | string[]>))
          for (const one of Array.isArray(v) ? v : [v]) {
            const key = utf8(0x26, k);
            const val = utf8(0, String(one));
            parts.push(key, val.subarray(1));
          }
        break;
      default:
        return undefined;
    }
  }
  return Buffer.concat(parts);
}

/**
 * A PUBLISH as one buffer (§3.3): fixed header, topic, packet identifier for QoS > 0, in 5.0
 * the Property Length and `properties` (already encoded, none by default, §3.3.2.3.1), and the
 * payload. Byte for byte what mqtt-packet's generate() makes of the same packet
 * (test/unit/mqtt-codec.test.ts).
 */
export function encodePublish(
  topic: string,
  payload: Buffer,
  qos: number,
  retain: boolean,
  dup: boolean,
  messageId: number,
  version: 4 | 5,
  properties?: Buffer,
): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  const props = version === 5 ? (properties?.length ?? 0) : 0;
  const propsHeader = version === 5 ? varIntBytes(props) : 0;
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + propsHeader + props + payload.length;
  const buf = Buffer.allocUnsafe(1 + varIntBytes(remaining) + remaining);
  buf[0] = 0x30 | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
  let pos = writeVarInt(buf, 1, remaining);
  buf.writeUInt16BE(topicBytes, pos);
  pos += 2;
  pos += buf.write(topic, pos, 'utf8');
  if (qos > 0) {
    buf.writeUInt16BE(messageId, pos);
    pos += 2;
  }
  if (version === 5) {
    pos = writeVarInt(buf, pos, props);
    if (properties) pos += properties.copy(buf, pos);
  }
  payload.copy(buf, pos);
  return buf;
}

/**
 * PUBACK, PUBREC, PUBREL or PUBCOMP with reason 0x00 (§3.4–§3.7), as the device has always
 * sent them: the packet identifier alone, except in 5.0 PUBREC, PUBREL and PUBCOMP, which carry
 * the Reason Code and a Property Length of 0 (§3.5.2.1: both may be omitted, but are not).
 * Byte for byte what mqtt-packet's generate() makes of { cmd, messageId } (of a PUBACK with
 * reasonCode 0), without its debug calls on this per-message path.
 */
export function encodeAck(cmd: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp', id: number, version: 4 | 5): Buffer {
  const type = cmd === 'puback' ? 0x40 : cmd === 'pubrec' ? 0x50 : cmd === 'pubrel' ? 0x62 : 0x70;
  if (version === 4 || cmd === 'puback') return Buffer.from([type, 2, id >> 8, id & 0xff]);
  return Buffer.from([type, 4, id >> 8, id & 0xff, 0, 0]);
}

/** Any packet, by mqtt-packet. */
export function encode(packet: Packet, version: 4 | 5): Buffer {
  return generate(packet, { protocolVersion: version });
}

/** §3.12, §3.13, §3.14: the fixed two-byte packets. */
export const PINGREQ_BYTES = Buffer.from([0xc0, 0x00]);
export const DISCONNECT_BYTES = Buffer.from([0xe0, 0x00]);
