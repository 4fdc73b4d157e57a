// MQTT behaviours a device model depends on, exercised on single devices against real brokers:
// retained messages, Last Will, persistent sessions, and MQTT 5 properties.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { writeStamp } from '../../src/metrics/stamp.ts';
import type { EmbeddedServer } from '../../src/protocols/driver.ts';
import { startEmbeddedMqtt } from '../../src/protocols/mqtt/embedded.ts';
import { MOSQUITTO_URL } from '../helpers/brokers.ts';
import { eventually, probe, stamp, uniq } from '../helpers/devices.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';

let aedes: EmbeddedServer;
beforeAll(async () => {
  aedes = await startEmbeddedMqtt();
});
afterAll(async () => {
  await aedes.close();
});

const targets = (): [string, string][] => [
  ['aedes', aedes.urls.default!],
  ['mosquitto', MOSQUITTO_URL],
];

describe.each([['aedes'], ['mosquitto']])('MQTT 3.1.1 features against %s', (name) => {
  const url = (): string => targets().find(([n]) => n === name)![1];

  it('delivers a retained message to a subscriber that arrives later [MQTT-3.3.1-5]', async () => {
    const topic = `fbtest/retain/${uniq()}`;
    const pub = probe(url(), `fb-ret-pub-${uniq()}`, { qos: 1, retain: true });
    await pub.device.connect();
    await pub.device.publishRaw(topic, Buffer.from('last-known-value'), { retain: true, qos: 1 });
    await pub.device.close();

    const late = probe(url(), `fb-ret-sub-${uniq()}`, { qos: 1 });
    await late.device.connect();
    await late.device.subscribe([topic]);
    const [m] = await late.waitFor(1);
    expect(m!.payload.toString()).toBe('last-known-value');
    expect(m!.retained).toBe(true);
    // Clear the retained message so the shared broker stays clean [MQTT-3.3.1-10].
    await late.device.publishRaw(topic, Buffer.alloc(0), { retain: true, qos: 1 });
    await late.device.close();
  });

  it('publishes the Last Will when a device vanishes without DISCONNECT [MQTT-3.1.2-8]', async () => {
    const willTopic = `fbtest/will/${uniq()}`;
    const watcher = probe(url(), `fb-will-watch-${uniq()}`, { qos: 1 });
    await watcher.device.connect();
    await watcher.device.subscribe([willTopic]);
    const doomed = probe(url(), `fb-will-dev-${uniq()}`, {
      qos: 1,
      keepalive: '5s',
      will: { topic: willTopic, payload: 'offline', qos: 1 },
    });
    await doomed.device.connect();
    doomed.device.kill();
    const [m] = await watcher.waitFor(1);
    expect(m!.payload.toString()).toBe('offline');
    await watcher.device.close();
  });

  it('does not publish the Will on a clean DISCONNECT [MQTT-3.1.2-10]', async () => {
    const willTopic = `fbtest/will/${uniq()}`;
    const watcher = probe(url(), `fb-will-watch-${uniq()}`, { qos: 1 });
    await watcher.device.connect();
    await watcher.device.subscribe([willTopic]);
    const polite = probe(url(), `fb-will-dev-${uniq()}`, {
      qos: 1,
      will: { topic: willTopic, payload: 'offline', qos: 1 },
    });
    await polite.device.connect();
    await polite.device.close();
    // A marker published after the close: once the watcher has it, the broker has dealt with the
    // close too; a Will would be there by now (plus a moment for one sent on the socket's end).
    await watcher.device.publishRaw(willTopic, Buffer.from('marker'));
    await watcher.waitFor(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(watcher.messages.map((m) => m.payload.toString())).toEqual(['marker']);
    await watcher.device.close();
  });

  it('keeps QoS 1 messages for an offline persistent-session subscriber [MQTT-3.1.2-4]', async () => {
    const topic = `fbtest/persist/${uniq()}`;
    const clientId = `fb-persist-${uniq()}`;
    const sub = probe(url(), clientId, { qos: 1, clean: false });
    await sub.device.connect();
    await sub.device.subscribe([topic]);
    await sub.device.close();

    const pub = probe(url(), `fb-persist-pub-${uniq()}`, { qos: 1 });
    await pub.device.connect();
    for (let i = 0; i < 5; i++) await pub.device.publishRaw(topic, Buffer.from(`m${i}`));
    await pub.device.close();

    // Same client id, clean: false, no new SUBSCRIBE: the session held subscription and messages.
    const back = probe(url(), clientId, { qos: 1, clean: false });
    await back.device.connect();
    const got = await back.waitFor(5);
    expect(got.map((m) => m.payload.toString())).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    await back.device.close();
    // End the session so it does not linger on the shared broker.
    const clean = probe(url(), clientId, { qos: 1, clean: true });
    await clean.device.connect();
    await clean.device.close();
  });

  it('reports a connection the broker drops (session taken over) as lost [MQTT-3.1.4-2]', async () => {
    const clientId = `fb-takeover-${uniq()}`;
    const first = probe(url(), clientId, { qos: 1 });
    await first.device.connect();
    const second = probe(url(), clientId, { qos: 1 });
    await second.device.connect();
    await eventually(() => first.errors.includes('mqtt.connection_lost'));
    expect(first.device.connected).toBe(false);
    expect(second.device.connected).toBe(true);
    await second.device.close();
  });

  it('counts exact bytes on the wire for a QoS 1 publish', async () => {
    const topic = `fbtest/bytes/${uniq()}`;
    const pub = probe(url(), `fb-bytes-${uniq()}`, { qos: 1 });
    await pub.device.connect();
    const before = { ...pub.device.bytes };
    const payload = Buffer.alloc(40, 1);
    expect(pub.device.send({ topic, payload, stamp: stamp() })).toBe('sent');
    await eventually(() => pub.acks.length === 1);
    // §3.3: PUBLISH = 1 (header) + 1 (remaining length < 128) + 2 + topic + 2 (packet id) + payload.
    expect(pub.device.bytes.sent - before.sent).toBe(1 + 1 + 2 + topic.length + 2 + payload.length);
    // §3.4: PUBACK is 4 bytes.
    expect(pub.device.bytes.received - before.received).toBe(4);
    expect(pub.acks).toHaveLength(1);
    await pub.device.close();
  });
});

describe('MQTT 5 features against mosquitto', () => {
  it('carries user properties, message expiry and correlation data end to end', async () => {
    const topic = `fbtest/v5/${uniq()}`;
    const sub = probe(MOSQUITTO_URL, `fb-v5-sub-${uniq()}`, { version: 5, qos: 1 });
    await sub.device.connect();
    await sub.device.subscribe([topic]);
    const pub = probe(MOSQUITTO_URL, `fb-v5-pub-${uniq()}`, {
      version: 5,
      qos: 1,
      userProperties: { site: 'plant-7' },
      messageExpiry: '60s',
    });
    await pub.device.connect();
    pub.device.send({
      topic,
      payload: Buffer.from('x'.repeat(24)),
      stamp: stamp(),
      replyTo: `${topic}/reply`,
      correlation: Buffer.from('abc'),
    });
    const [m] = await sub.waitFor(1);
    expect(m!.replyTo).toBe(`${topic}/reply`);
    expect(m!.correlation?.toString()).toBe('abc');
    // A subscriber matched, so Mosquitto answers the PUBACK with reason 0x00 (success).
    await eventually(() => pub.acks.length === 1);
    expect(pub.codes).toContain('puback|0');
    await pub.device.close();
    await sub.device.close();
  });

  it('reports PUBACK reason 0x10 (no matching subscribers) [MQTT-3.4.2.1]', async () => {
    const pub = probe(MOSQUITTO_URL, `fb-v5-nomatch-${uniq()}`, { version: 5, qos: 1 });
    await pub.device.connect();
    pub.device.send({ topic: `fbtest/nobody/${uniq()}`, payload: Buffer.alloc(24), stamp: stamp() });
    await eventually(() => pub.acks.length === 1);
    expect(pub.codes).toContain('puback|16');
    expect(pub.acks).toHaveLength(1);
    await pub.device.close();
  });

  it('keeps an MQTT 5 session across a disconnect with clean: false and a Session Expiry Interval [MQTT-3.1.2-23]', async () => {
    const topic = `fbtest/v5persist/${uniq()}`;
    const clientId = `fb-v5-persist-${uniq()}`;
    const sub = probe(MOSQUITTO_URL, clientId, { version: 5, qos: 1, clean: false, sessionExpiry: '60s' });
    await sub.device.connect();
    await sub.device.subscribe([topic]);
    await sub.device.close();
    const pub = probe(MOSQUITTO_URL, `fb-v5-persist-pub-${uniq()}`, { version: 5, qos: 1 });
    await pub.device.connect();
    for (let i = 0; i < 3; i++) await pub.device.publishRaw(topic, Buffer.from(`v${i}`));
    await pub.device.close();
    const back = probe(MOSQUITTO_URL, clientId, { version: 5, qos: 1, clean: false, sessionExpiry: '60s' });
    await back.device.connect();
    expect((await back.waitFor(3)).map((m) => m.payload.toString())).toEqual(['v0', 'v1', 'v2']);
    await back.device.close();
    // Without a Session Expiry Interval the session ends with the connection [MQTT-3.1.2-11].
    const gone = probe(MOSQUITTO_URL, clientId, { version: 5, qos: 1, clean: true });
    await gone.device.connect();
    await gone.device.close();
  });

  it("caps the in-flight window at the broker's Receive Maximum [MQTT-3.3.4-7]", async () => {
    // Mosquitto announces Receive Maximum 20 (max_inflight_messages) in its CONNACK.
    const pub = probe(MOSQUITTO_URL, `fb-v5-recvmax-${uniq()}`, { version: 5, qos: 1, inflight: 1000 });
    await pub.device.connect();
    const outcomes = Array.from({ length: 25 }, (_, i) =>
      pub.device.send({ topic: `fbtest/recvmax/${uniq()}`, payload: Buffer.alloc(24), stamp: stamp(i) }),
    );
    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(20);
    expect(outcomes.slice(20)).toEqual(Array(5).fill('window_full'));
    await eventually(() => pub.acks.length >= 20);
    expect(pub.acks).toHaveLength(20);
    await pub.device.close();
  });

  it('enforces the in-flight window: sends beyond it are refused, not queued', async () => {
    const pub = probe(MOSQUITTO_URL, `fb-v5-window-${uniq()}`, { version: 5, qos: 1, inflight: 3 });
    await pub.device.connect();
    const outcomes = Array.from({ length: 5 }, (_, i) =>
      pub.device.send({ topic: `fbtest/window/${uniq()}`, payload: Buffer.alloc(24), stamp: stamp(i) }),
    );
    expect(outcomes).toEqual(['sent', 'sent', 'sent', 'window_full', 'window_full']);
    await eventually(() => pub.acks.length >= 3);
    expect(pub.acks).toHaveLength(3);
    await pub.device.close();
  });
});

describe('messages left on the broker by an earlier run', () => {
  it('are not counted as deliveries of this run', async () => {
    const topic = `fbtest/stale/${uniq()}`;
    // A stamped message as an earlier run would have sent it: stream of fleet 0, device 0, seq 0.
    const old = Buffer.alloc(24);
    writeStamp(old, { stream: 0, seq: 0, intendedUs: 1000, sentUs: 1000 });
    const pub = probe(MOSQUITTO_URL, `fb-stale-${uniq()}`, { qos: 1 });
    await pub.device.connect();
    await pub.device.publishRaw(topic, old, { retain: true, qos: 1 });
    await pub.device.close();
    const file = writeScenario(
      'stale',
      `export default defineScenario({
        name: 'stale', duration: '10s', drain: '${DRAIN}',
        fleets: { s: { count: 1, protocol: mqtt({ qos: 1 }), topic: '${topic}', send: every('20ms'), messages: 5, payload: bytes(24) } },
        observers: { o: { protocol: mqtt({ qos: 1 }), receives: ['s'] } },
      });`,
    );
    const { result } = await run({ scenario: file, targets: { mqtt: MOSQUITTO_URL }, workers: 1, write: false });
    const d = result.delivery[0]!;
    expect(result.fleets.o!.messages.unstamped).toBe(1);
    expect(d.received).toBe(5);
    expect(d.duplicated).toBe(0);
    expect(d.lost).toBe(0);
    const clear = probe(MOSQUITTO_URL, `fb-stale-clear-${uniq()}`, { qos: 1 });
    await clear.device.connect();
    await clear.device.publishRaw(topic, Buffer.alloc(0), { retain: true, qos: 1 });
    await clear.device.close();
  });
});
