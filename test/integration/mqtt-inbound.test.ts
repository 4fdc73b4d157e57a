// What the lean MQTT device does with what a server sends it, against a small strict peer
// (test/helpers/strict-mqtt.ts): Topic Aliases resolved (§3.3.2.3.4), an unknown one a protocol
// error, and a QoS 2 PUBLISH delivered once however often it comes before its PUBREL
// ([MQTT-4.3.3]), with PUBREC for each copy and one PUBCOMP.
import type { Packet } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { MqttDevice } from '../../src/protocols/mqtt/device.ts';
import { resolveMqttOptions } from '../../src/protocols/mqtt/options.ts';
import { type Recording, recorder } from '../helpers/recorder.ts';
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

  async function connected(version: 4 | 5): Promise<[MqttDevice, Recording, StrictMqtt]> {
    const p = await startStrictMqtt();
    const options = resolveMqttOptions({ version, qos: 2 }, 'test', new Checker());
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
    const [, rec, p] = await connected(5);
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
});
