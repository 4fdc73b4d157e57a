// The MQTT 5 options of issue 19's probes on the wire and in validation: the subscription options
// of §3.8.3.1 and the Subscription Identifier (§3.8.2.1.2) in SUBSCRIBE, the Payload Format
// Indicator (§3.3.2.3.2) in PUBLISH, Maximum Packet Size, Topic Alias Maximum (§3.1.2.11.4,
// §3.1.2.11.5) and the Will Delay Interval (§3.1.3.2.2) in CONNECT, byte for byte; each refused
// under MQTT 3.1.1, out of range, or where it could do nothing.
import { generate, type IConnectPacket, type Packet, parser } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { bytes, defineScenario, every, mqtt } from '../../src/index.ts';
import { encodeProperties, encodePublish } from '../../src/protocols/mqtt/codec.ts';
import { connectPacket, willFor } from '../../src/protocols/mqtt/connect.ts';
import { type ResolvedMqttOptions, resolveMqttOptions } from '../../src/protocols/mqtt/options.ts';
import { subscribePacket } from '../../src/protocols/mqtt/subscribe.ts';
import { problemsOf } from '../helpers/validation.ts';

function resolved(raw: Record<string, unknown>): ResolvedMqttOptions {
  const check = new Checker();
  const o = resolveMqttOptions(raw, 'p', check);
  expect(check.problems).toEqual([]);
  return o as ResolvedMqttOptions;
}

function parsed(buf: Buffer): Packet {
  const p = parser({ protocolVersion: 5 });
  let out: Packet | undefined;
  p.on('packet', (packet: Packet) => (out = packet));
  p.parse(buf);
  if (!out) throw new Error('no packet');
  return out;
}

const hex = (b: Buffer): string => b.toString('hex');

describe('MQTT 5 SUBSCRIBE options (§3.8.3.1) and Subscription Identifier (§3.8.2.1.2)', () => {
  it('puts No Local, Retain As Published and Retain Handling in each filter’s options byte', () => {
    const o = resolved({ version: 5, qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2 });
    const buf = generate(subscribePacket(['a/+'], o, 7), { protocolVersion: 5 });
    // 0x82, Remaining Length 9, packet id 7, Property Length 0, "a/+", options:
    // QoS 1 (bits 0-1) | No Local (bit 2) | Retain As Published (bit 3) | Retain Handling 2 (bits 4-5) = 0x2d.
    expect(hex(buf)).toBe('8209000700' + '0003612f2b' + '2d');
  });

  it('carries the Subscription Identifier as property 0x0b, a Variable Byte Integer', () => {
    const o = resolved({ version: 5, subscriptionIdentifier: 300 });
    const buf = generate(subscribePacket(['t'], o, 1), { protocolVersion: 5 });
    // Property Length 3: 0x0b then 300 as a Variable Byte Integer (0xac 0x02); options byte 0x00.
    expect(hex(buf)).toBe('820a0001' + '030bac02' + '000174' + '00');
    const back = parsed(buf);
    expect(back.cmd === 'subscribe' && back.properties?.subscriptionIdentifier).toBe(300);
  });

  it('sends the options byte as QoS alone by default, and no options at all under 3.1.1', () => {
    expect(hex(generate(subscribePacket(['t'], resolved({ version: 5, qos: 2 }), 1), { protocolVersion: 5 }))).toBe(
      '8207000100000174' + '02',
    );
    expect(hex(generate(subscribePacket(['t'], resolved({ qos: 1 }), 1), { protocolVersion: 4 }))).toBe(
      '82060001000174' + '01',
    );
  });
});

describe('MQTT 5 PUBLISH Payload Format Indicator (§3.3.2.3.2)', () => {
  it('is property 0x01 with 1 for utf8 and 0 for bytes, byte for byte as mqtt-packet writes it', () => {
    for (const [format, value] of [
      ['utf8', true],
      ['bytes', false],
    ] as const) {
      const props = encodeProperties({ payloadFormatIndicator: value });
      expect(hex(props as Buffer)).toBe(format === 'utf8' ? '0101' : '0100');
      const ours = encodePublish('t', Buffer.from('x'), 1, false, false, 9, 5, props);
      const theirs = generate(
        {
          cmd: 'publish',
          topic: 't',
          payload: Buffer.from('x'),
          qos: 1,
          messageId: 9,
          retain: false,
          dup: false,
          properties: { payloadFormatIndicator: value },
        },
        { protocolVersion: 5 },
      );
      expect(hex(ours)).toBe(hex(theirs));
    }
  });
});

describe('MQTT 5 CONNECT: Maximum Packet Size, Topic Alias Maximum, Will Delay Interval', () => {
  const connect = (raw: Record<string, unknown>): Buffer => {
    const o = resolved(raw);
    const will = willFor({ url: 'mqtt://h', index: 3, clientId: 'c', options: o, connectTimeoutMs: 1000 });
    return generate(connectPacket(o, 'mqtt://h', 'c', will), { protocolVersion: 5 });
  };

  it('announces Maximum Packet Size (0x27, four bytes) and Topic Alias Maximum (0x22, two bytes)', () => {
    const buf = connect({ version: 5, maximumPacketSize: 512, topicAliasMaximum: 2 });
    // Property Length 8: 0x27 00000200, 0x22 0002.
    expect(hex(buf)).toContain('08' + '2700000200' + '220002');
    const back = parsed(buf) as IConnectPacket;
    expect(back.properties).toEqual({ maximumPacketSize: 512, topicAliasMaximum: 2 });
  });

  it('puts the Will Delay Interval (0x18, four bytes, seconds) in the will properties', () => {
    const buf = connect({ version: 5, sessionExpiry: '1m', will: { topic: 'w/{id}', delay: '5s' } });
    // Will Properties: length 5, 0x18 00000005; then the will topic "w/3".
    expect(hex(buf)).toContain(`0518000000050003${Buffer.from('w/3').toString('hex')}`);
    const back = parsed(buf) as IConnectPacket;
    expect(back.will?.properties).toEqual({ willDelayInterval: 5 });
  });

  it('sends no will properties without a delay', () => {
    const back = parsed(connect({ version: 5, will: { topic: 'w' } })) as IConnectPacket;
    expect(back.will?.properties).toBeUndefined();
  });
});

describe('validation of the MQTT 5 probe options', () => {
  const scenario = (protocol: unknown) =>
    defineScenario({
      name: 'x',
      duration: '1s',
      fleets: {
        gps: { count: 1, protocol: protocol as never, topic: 't/{id}', send: every('1s'), payload: bytes(32) },
      },
    });

  it.each([
    ['maximumPacketSize', 512],
    ['topicAliasMaximum', 2],
    ['payloadFormat', 'utf8'],
    ['noLocal', true],
    ['retainAsPublished', true],
    ['retainHandling', 2],
    ['subscriptionIdentifier', 1],
    ['honourLimits', false],
  ])('refuses %s under MQTT 3.1.1', (option, value) => {
    expect(problemsOf(scenario(mqtt({ version: 4, [option]: value })), 's.ts')).toEqual([
      `fleets.gps.protocol.${option}: is an MQTT 5 feature; set version: 5`,
    ]);
  });

  it('refuses will.delay under MQTT 3.1.1, and without a sessionExpiry (the will would go at once)', () => {
    expect(problemsOf(scenario(mqtt({ will: { topic: 'w', delay: '5s' } })), 's.ts')).toEqual([
      'fleets.gps.protocol.will.delay: is an MQTT 5 feature; set version: 5',
      'fleets.gps.protocol.will.delay: has no effect without a sessionExpiry: the session ends with the connection and the broker publishes the will at once (§3.1.3.2.2)',
    ]);
    expect(
      problemsOf(scenario(mqtt({ version: 5, sessionExpiry: '1m', will: { topic: 'w', delay: 500 } })), 's.ts'),
    ).toEqual([
      "fleets.gps.protocol.will.delay: expected at least 1s, a duration like '30s' or '5m' (a bare number is milliseconds); 0 publishes the will at once, got 500",
    ]);
  });

  it('refuses values out of range', () => {
    const problems = problemsOf(
      scenario(
        mqtt({
          version: 5,
          maximumPacketSize: 0,
          topicAliasMaximum: 70_000,
          subscriptionIdentifier: 0,
          // @ts-expect-error Retain Handling 3 is a protocol error (§3.8.3.1)
          retainHandling: 3,
          // @ts-expect-error not a payload format
          payloadFormat: 'text',
        }),
      ),
      's.ts',
    );
    expect(problems).toEqual([
      'fleets.gps.protocol.maximumPacketSize: expected a positive integer, got 0',
      'fleets.gps.protocol.topicAliasMaximum: expected an integer from 0 to 65535, got 70000',
      'fleets.gps.protocol.payloadFormat: expected one of "utf8", "bytes", got "text"',
      'fleets.gps.protocol.retainHandling: expected one of 0, 1, 2, got 3',
      'fleets.gps.protocol.subscriptionIdentifier: expected a positive integer, got 0',
    ]);
  });

  it('refuses pings: false without a keep alive to break', () => {
    expect(problemsOf(scenario(mqtt({ keepalive: 0, pings: false })), 's.ts')).toEqual([
      'fleets.gps.protocol.pings: false needs a keep alive to break: set keepalive (§3.1.2.10)',
    ]);
  });
});
