// What the lean MQTT device does with what a server sends it, against a small strict peer
// (test/helpers/strict-mqtt.ts): Topic Aliases resolved (§3.3.2.3.4), an unknown one a protocol
// error, and a QoS 2 PUBLISH delivered once however often it comes before its PUBREL
// ([MQTT-4.3.3]), with PUBREC for each copy and one PUBCOMP; in 5.0, what a delivery carries
// counted (Payload Format Indicator, Subscription Identifiers, RETAIN under Retain As
// Published) and what breaks the device's own announced limits counted as the broker's
// violation: more unacknowledged deliveries than its Receive Maximum [MQTT-3.3.4-9], a packet
// above its Maximum Packet Size [MQTT-3.1.2-24], an alias above its Topic Alias Maximum
// [MQTT-3.1.2-26], a delivery without its Subscription Identifier [MQTT-3.3.4-3].
import type { Packet } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { MqttDevice } from '../../src/protocols/mqtt/device.ts';
import { resolveMqttOptions } from '../../src/protocols/mqtt/options.ts';
import { outgoing, type Recording, recorder } from '../helpers/recorder.ts';
import { type StrictMqtt, startStrictMqtt } from '../helpers/strict-mqtt.ts';
import { waitFor } from '../helpers/wait.ts';

describe('MQTT device, packets from the server', () => {
  const open: { d: MqttDevice; p: StrictMqtt }[] = [];
  afterEach(async () => {
    for (const { d, p } of open.splice(0)) {
      d.kill();
      await p.close();
    }
  });

  async function connected(
    version: 4 | 5,
    extra: Record<string, unknown> = {},
  ): Promise<[MqttDevice, Recording, StrictMqtt]> {
    const p = await startStrictMqtt();
    const options = resolveMqttOptions({ version, qos: 2, ...extra }, 'test', new Checker());
    if (!options) throw new Error('options');
    const rec = recorder();
    const d = new MqttDevice(
      { url: p.url, index: 0, clientId: 'fb-inbound', options, connectTimeoutMs: 5000 },
      rec.events,
    );
    open.push({ d, p });
    await d.connect();
    return [d, rec, p];
  }
  const publish = (topic: string, body: string, extra: object = {}): Packet =>
    ({ cmd: 'publish', topic, payload: Buffer.from(body), qos: 0, retain: false, dup: false, ...extra }) as Packet;

  it('resolves a Topic Alias the server set up, and closes on one it never did (§3.3.2.3.4)', async () => {
    const [, rec, p] = await connected(5, { topicAliasMaximum: 4 });
    const conn = p.connections.at(-1)!;
    conn.send(publish('site/a/temp', 'one', { properties: { topicAlias: 3 } }));
    conn.send(publish('', 'two', { properties: { topicAlias: 3 } }));
    await waitFor(() => rec.messages.length === 2, { what: 'both messages' });
    expect(rec.messages.map((m) => [m.topic, m.payload.toString()])).toEqual([
      ['site/a/temp', 'one'],
      ['site/a/temp', 'two'],
    ]);
    conn.send(publish('', 'three', { properties: { topicAlias: 4 } }));
    await waitFor(() => rec.disconnects.length === 1, { what: 'the protocol error' });
    expect(rec.disconnects[0]).toMatchObject({ cause: 'error', message: expect.stringContaining('Topic Alias 4') });
    expect(rec.messages).toHaveLength(2);
    expect(rec.errors).toEqual([]);
  });

  it('counts a topic alias above the Topic Alias Maximum it announced as a violation [MQTT-3.1.2-26]', async () => {
    const [, rec, p] = await connected(5, { topicAliasMaximum: 2 });
    const conn = p.connections.at(-1)!;
    conn.send(publish('a/b', 'ok', { properties: { topicAlias: 2 } }));
    conn.send(publish('a/c', 'above', { properties: { topicAlias: 3 } }));
    await waitFor(() => rec.messages.length === 2, { what: 'both messages' });
    expect(rec.code('violation|topic_alias_above_maximum')).toBe(1);
    expect(rec.errors).toEqual([
      "mqtt.topic_alias_above_maximum: fb-inbound: the broker used Topic Alias 3, above the device's Topic Alias Maximum of 2 [MQTT-3.1.2-26]",
    ]);
  });

  it('counts deliveries beyond its Receive Maximum, sent before any acknowledgement could be read [MQTT-3.3.4-9]', async () => {
    const [, rec, p] = await connected(5, { receiveMaximum: 2 });
    const conn = p.connections.at(-1)!;
    const q1 = (id: number) => publish('rm/x', `m${id}`, { qos: 1, messageId: id });
    // Two, then their PUBACKs back at the peer, then two more: never more than 2 unacknowledged.
    conn.sendAll([q1(1), q1(2)]);
    const acked = () => p.received.filter((r) => r.packet.cmd === 'puback').length;
    await waitFor(() => acked() === 2, { what: 'the first two PUBACKs' });
    conn.sendAll([q1(3), q1(4)]);
    await waitFor(() => acked() === 4, { what: 'four PUBACKs' });
    expect(rec.code('violation|receive_maximum_exceeded')).toBe(0);
    expect(rec.code('publish|receive_maximum_reached')).toBe(2);
    // Three in one write: the third was sent with none of them acknowledged.
    conn.sendAll([q1(5), q1(6), q1(7)]);
    await waitFor(() => rec.messages.length === 7, { what: 'seven messages' });
    expect(rec.code('violation|receive_maximum_exceeded')).toBe(1);
    expect(rec.errors).toEqual([
      "mqtt.receive_maximum_exceeded: fb-inbound: the broker had at least 3 QoS 1 deliveries unacknowledged, above the device's Receive Maximum of 2 [MQTT-3.3.4-9]",
    ]);
  });

  it('counts a packet above the Maximum Packet Size it announced as a violation [MQTT-3.1.2-24]', async () => {
    const [, rec, p] = await connected(5, { maximumPacketSize: 64 });
    const conn = p.connections.at(-1)!;
    conn.send(publish('mps/x', 'x'.repeat(40)));
    conn.send(publish('mps/x', 'x'.repeat(80)));
    await waitFor(() => rec.messages.length === 2, { what: 'both messages' });
    expect(rec.code('violation|packet_above_maximum')).toBe(1);
    expect(rec.errors[0]).toMatch(
      /^mqtt\.packet_above_maximum: fb-inbound: the broker sent a 90-byte packet, above the device's Maximum Packet Size of 64 bytes/,
    );
  });

  it('counts what deliveries carry, and a delivery without its Subscription Identifier [MQTT-3.3.4-3]', async () => {
    const [d, rec, p] = await connected(5, { subscriptionIdentifier: 7, retainAsPublished: true });
    const conn = p.connections.at(-1)!;
    await d.subscribe(['s/+']);
    conn.send(
      publish('s/a', 'one', { retain: true, properties: { subscriptionIdentifier: 7, payloadFormatIndicator: true } }),
    );
    conn.send(publish('s/a', 'two', { properties: { subscriptionIdentifier: [3, 7] } }));
    conn.send(publish('s/a', 'three', { properties: { payloadFormatIndicator: false } }));
    await waitFor(() => rec.messages.length === 3, { what: 'three messages' });
    expect(
      Object.fromEntries([...rec.codes].filter(([k]) => k.startsWith('publish|') || k.startsWith('violation|'))),
    ).toEqual({
      'publish|subscription_id=7': 2,
      'publish|subscription_id=3': 1,
      'publish|payload_format=1': 1,
      'publish|payload_format=0': 1,
      'publish|retain=1': 1,
      'publish|retain=0': 2,
      'violation|subscription_id_missing': 1,
    });
    // Retain As Published: RETAIN 1 no longer tells the retained store; the delivery counts as live.
    expect(rec.messages.map((m) => m.retained)).toEqual([false, false, false]);
    expect(rec.errors).toEqual([
      "mqtt.subscription_id_missing: fb-inbound: a delivery on s/a came without a Subscription Identifier, not the subscription's 7 [MQTT-3.3.4-3]",
    ]);
  });

  it('delivers a QoS 2 PUBLISH once, at its PUBREL, however often it came [MQTT-4.3.3]', async () => {
    const [, rec, p] = await connected(4);
    const conn = p.connections.at(-1)!;
    conn.send(publish('q2/x', 'once', { qos: 2, messageId: 9 }));
    conn.send(publish('q2/x', 'once', { qos: 2, messageId: 9, dup: true }));
    const from = (cmd: string) => p.received.filter((r) => r.packet.cmd === cmd).map((r) => r.packet.messageId);
    await waitFor(() => from('pubrec').length === 2, { what: 'a PUBREC for each copy' });
    expect(rec.messages).toEqual([]);
    conn.send({ cmd: 'pubrel', messageId: 9 });
    await waitFor(() => from('pubcomp').length === 1, { what: 'the PUBCOMP' });
    expect(from('pubrec')).toEqual([9, 9]);
    expect(from('pubcomp')).toEqual([9]);
    expect(rec.messages.map((m) => m.payload.toString())).toEqual(['once']);
  });

  it('honourLimits: false sends beyond the Receive Maximum the server announced, counted, and the server closes the connection (0x93)', async () => {
    const p = await startStrictMqtt({ ackDelayMs: 1000, connack: { receiveMaximum: 2 } });
    const options = resolveMqttOptions({ version: 5, qos: 1, honourLimits: false }, 'test', new Checker());
    if (!options) throw new Error('options');
    const rec = recorder();
    const d = new MqttDevice(
      { url: p.url, index: 0, clientId: 'fb-beyond', options, connectTimeoutMs: 5000 },
      rec.events,
    );
    open.push({ d, p });
    await d.connect();
    expect([1, 2, 3].map((n) => d.send(outgoing('rm/beyond', n)))).toEqual(['sent', 'sent', 'sent']);
    expect(rec.code('beyond|receive_maximum')).toBe(1);
    await waitFor(() => rec.disconnects.length === 1, { what: 'the DISCONNECT' });
    expect(rec.disconnects[0]).toMatchObject({ cause: 'server_disconnect', key: 'mqtt.disconnect_0x93' });
  });
});
