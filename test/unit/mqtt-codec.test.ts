// The lean MQTT device's own encoding and framing (src/protocols/mqtt/codec.ts) against
// mqtt-packet: a PUBLISH built in one buffer is byte for byte mqtt-packet's, and packets framed
// by the fixed header and decoded by hand read as mqtt-packet's parser reads them.
import { generate, type IPublishPacket, type Packet, parser } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { decode, encodeAck, encodeProperties, encodePublish, frameAt } from '../../src/protocols/mqtt/codec.ts';

function parsed(buf: Buffer, version: 4 | 5): Packet {
  const p = parser({ protocolVersion: version });
  let out: Packet | undefined;
  p.on('packet', (packet: Packet) => (out = packet));
  p.parse(buf);
  if (!out) throw new Error('no packet');
  return out;
}

/** Absent, null, false and 0 read alike: mqtt-packet fills flags an acknowledgement does not have. */
const norm = (v: unknown): unknown => (v === undefined || v === null || v === false ? 0 : v);

describe('MQTT codec', () => {
  // Remaining Lengths of 1 and 2 bytes and across the 127/128 and 16383/16384 edges (§2.2.3).
  const payloads = [0, 1, 100, 104, 105, 16_300, 16_400, 70_000];
  const topics = ['t', 'fbtest/run/sensors/17', 'ünïcødé/温度'];
  for (const version of [4, 5] as const)
    for (const qos of [0, 1, 2] as const)
      it(`encodes a QoS ${qos} PUBLISH (MQTT ${version === 4 ? '3.1.1' : '5.0'}) exactly as mqtt-packet does`, () => {
        for (const topic of topics)
          for (const size of payloads)
            for (const [retain, dup] of [
              [false, false],
              [true, true],
            ] as const) {
              const payload = Buffer.alloc(size, 0x5a);
              const id = 1 + ((size * 7) % 65_535);
              const packet: IPublishPacket = { cmd: 'publish', topic, payload, qos, retain, dup };
              if (qos > 0) packet.messageId = id;
              const ours = encodePublish(topic, payload, qos, retain, dup, id, version);
              expect(ours.equals(generate(packet, { protocolVersion: version }))).toBe(true);
            }
      });

  it('encodes a 5.0 PUBLISH with the properties a device sends exactly as mqtt-packet does (§3.3.2.3)', () => {
    const sets: NonNullable<IPublishPacket['properties']>[] = [
      { messageExpiryInterval: 3600 },
      { messageExpiryInterval: 70_000, userProperties: { site: 'a', tags: ['x', 'ÿ'] } },
      { userProperties: { k: 'v' }, topicAlias: 7 },
      { messageExpiryInterval: 5, responseTopic: 'reply/1', correlationData: Buffer.from([1, 2, 3]), topicAlias: 300 },
      { payloadFormatIndicator: true, contentType: 'text/plain' },
    ];
    for (const properties of sets)
      for (const qos of [0, 1] as const) {
        const payload = Buffer.alloc(130, 7);
        const packet: IPublishPacket = {
          cmd: 'publish',
          topic: 't/1',
          payload,
          qos,
          retain: false,
          dup: false,
          properties,
        };
        if (qos) packet.messageId = 42;
        const bytes = encodeProperties(properties);
        if (!bytes) throw new Error('not encoded');
        const ours = encodePublish('t/1', payload, qos, false, false, 42, 5, bytes);
        expect(ours.equals(generate(packet, { protocolVersion: 5 }))).toBe(true);
      }
    // A property the codec does not write is left to mqtt-packet.
    expect(encodeProperties({ subscriptionIdentifier: 1 })).toBeUndefined();
  });

  it('encodes acknowledgements exactly as mqtt-packet does for the packets the device sends', () => {
    for (const version of [4, 5] as const)
      for (const id of [1, 258, 65_535]) {
        // PUBACK with reason 0 (omitted on the wire, §3.4.2.1); the others as { cmd, messageId }.
        expect(encodeAck('puback', id, version)).toEqual(
          generate({ cmd: 'puback', messageId: id, reasonCode: 0 }, { protocolVersion: version }),
        );
        for (const cmd of ['pubrec', 'pubrel', 'pubcomp'] as const)
          expect(encodeAck(cmd, id, version)).toEqual(generate({ cmd, messageId: id }, { protocolVersion: version }));
      }
  });

  it('frames a stream by fixed header and Remaining Length, waiting for whole packets', () => {
    const a = encodePublish('a/b', Buffer.alloc(200, 1), 1, false, false, 9, 4);
    const b = generate({ cmd: 'pingresp' });
    const stream = Buffer.concat([a, b]);
    expect(frameAt(stream, 0)).toEqual({ body: 3, end: a.length });
    expect(frameAt(stream, a.length)).toEqual({ body: a.length + 2, end: stream.length });
    // Cut inside the Remaining Length and inside the body: not whole yet.
    expect(frameAt(stream.subarray(0, 2), 0)).toBeUndefined();
    expect(frameAt(stream.subarray(0, 50), 0)).toBeUndefined();
    expect(() => frameAt(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 0)).toThrow(/Remaining Length/);
  });

  it('decodes what it reads by hand as mqtt-packet parses it', () => {
    const packets: [Packet, 4 | 5][] = [
      [{ cmd: 'publish', topic: 'x/ÿ', payload: Buffer.from('hello'), qos: 0, retain: true, dup: false }, 4],
      [
        {
          cmd: 'publish',
          topic: 'x/y',
          payload: Buffer.alloc(300, 3),
          qos: 2,
          retain: false,
          dup: true,
          messageId: 513,
        },
        4,
      ],
      [{ cmd: 'puback', messageId: 7 }, 4],
      [{ cmd: 'pubrec', messageId: 65_535 }, 5],
      [{ cmd: 'pubrel', messageId: 2 }, 4],
      [{ cmd: 'pubcomp', messageId: 300 }, 5],
      [{ cmd: 'pingresp' }, 4],
      [{ cmd: 'puback', messageId: 7, reasonCode: 0x10 }, 5],
      [{ cmd: 'suback', messageId: 4, granted: [1, 0x80] }, 4],
      [{ cmd: 'connack', sessionPresent: true, reasonCode: 0, properties: { topicAliasMaximum: 5 } }, 5],
    ];
    for (const [packet, version] of packets) {
      const buf = generate(packet, { protocolVersion: version });
      const frame = frameAt(buf, 0);
      if (!frame) throw new Error('not framed');
      const ours = decode(buf, frame.body, version) as Packet & { payload?: Buffer };
      const theirs = parsed(buf, version) as Packet & { payload?: Buffer };
      const keys = [
        'cmd',
        'messageId',
        'topic',
        'qos',
        'retain',
        'dup',
        'reasonCode',
        'granted',
        'properties',
      ] as const;
      for (const key of keys.filter((k) => packet.cmd === 'publish' || !['qos', 'retain', 'dup'].includes(k)))
        expect([packet.cmd, key, norm((ours as unknown as Record<string, unknown>)[key])]).toEqual([
          packet.cmd,
          key,
          norm((theirs as unknown as Record<string, unknown>)[key]),
        ]);
      if (theirs.payload) expect(Buffer.from(ours.payload ?? []).equals(theirs.payload)).toBe(true);
    }
  });
});
