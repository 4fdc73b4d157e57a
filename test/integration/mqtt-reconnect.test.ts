// A device that lost its connection and connects again on the same MqttDevice: a kept session
// resends what was in flight with DUP=1, a clean one reports it in doubt, and every loss is
// reported once with its cause. Real Mosquitto processes, crashed with SIGKILL and restarted
// from their persistence file; a tapping forwarder reads the DUP bit on the wire.
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uniq } from '../helpers/devices.ts';
import { type RestartableMosquitto, restartableMosquitto } from '../helpers/mosquitto-restart.ts';
import { type Recorded, recordedDevice } from '../helpers/mqtt-recorder.ts';
import { type MqttTap, mqttTap } from '../helpers/mqtt-tap.ts';
import { waitFor } from '../helpers/wait.ts';

const N = 5;

describe('MQTT reconnect across a broker crash', () => {
  let broker: RestartableMosquitto;
  let tap: MqttTap;
  const watchers: MqttClient[] = [];

  beforeEach(async () => {
    broker = await restartableMosquitto();
    tap = await mqttTap(broker.port);
  });
  afterEach(async () => {
    for (const w of watchers.splice(0)) await w.endAsync(true);
    await tap.close();
    await broker.stop();
  });

  const publishes = (connection: number) => tap.up.filter((p) => p.type === 'publish' && p.connection === connection);

  /** Connects, gets one message acked, then freezes the broker and leaves N publishes unacked (a full window). */
  async function inFlightAtCrash(dev: Recorded, topic: string): Promise<string> {
    await dev.device.connect();
    // A subscription is a change Mosquitto saves at once: the session is in the file before the crash.
    const filter = `fbtest/keep/${uniq()}`;
    await dev.device.subscribe([filter]);
    expect(dev.send(topic, 0)).toBe('sent');
    await waitFor(() => dev.acks.get(0) === 1, { what: 'the first ack' });
    broker.freeze();
    for (let i = 1; i <= N; i++) expect(dev.send(topic, i)).toBe('sent');
    // [MQTT-3.3.4-7]-style window: the device refuses more than `inflight` unacked publishes.
    expect(dev.send(topic, 99)).toBe('window_full');
    await waitFor(() => publishes(1).length === N + 1, { what: 'every publish at the tap' });
    await broker.crash();
    await waitFor(() => dev.disconnects.length === 1, { what: 'the loss', detail: () => dev.disconnects });
    return filter;
  }

  const subscribes = (connection: number) =>
    tap.up.filter((p) => p.type === 'subscribe' && p.connection === connection).length;

  async function watch(topic: string, qos: 1 | 2): Promise<string[]> {
    const got: string[] = [];
    const w = await connectAsync(broker.url, { clientId: `fb-watch-${uniq()}`, reconnectPeriod: 0 });
    watchers.push(w);
    w.on('message', (_t, payload) => got.push(payload.toString()));
    await w.subscribeAsync(topic, { qos });
    return got;
  }

  const kept = [
    { name: 'QoS 1 (3.1.1, clean session 0)', qos: 1, options: {} },
    { name: 'QoS 2 (3.1.1, clean session 0)', qos: 2, options: {} },
    // 5.0: clean start 0 keeps the session only with a session expiry above 0 (§3.1.2.11.2).
    { name: 'QoS 1 (5.0, clean start 0, session expiry 1h)', qos: 1, options: { version: 5, sessionExpiry: '1h' } },
  ] as const;
  for (const { name, qos, options } of kept) {
    it(`resends the unacknowledged ${name} publishes of a kept session with DUP=1, each acked once [MQTT-4.4.0-1]`, async () => {
      const topic = `fbtest/resume/${uniq()}`;
      const dev = recordedDevice(tap.url, `fb-resume-${uniq()}`, { qos, clean: false, inflight: N, ...options });
      const filter = await inFlightAtCrash(dev, topic);
      expect(dev.inDoubt).toBe(0);

      await broker.start();
      const got = await watch(topic, qos);
      await dev.device.connect();
      // §3.2.2.2: the restarted broker read the session back from its file.
      expect(dev.codes.filter((c) => c.startsWith('session|'))).toEqual(['session|absent', 'session|present']);
      expect(tap.down.find((p) => p.type === 'connack' && p.connection === 2)?.sessionPresent).toBe(true);
      await waitFor(() => dev.acks.size === N + 1, { what: 'every ack', detail: () => [...dev.acks] });
      // §4.1: the resumed session still holds the subscription; a new filter is subscribed.
      await dev.device.subscribe([filter]);
      expect(subscribes(2)).toBe(0);
      await dev.device.subscribe([filter, `${filter}/more`]);
      expect(subscribes(2)).toBe(1);

      const first = publishes(1);
      const replay = publishes(2);
      expect(first.every((p) => !p.dup)).toBe(true);
      // [MQTT-3.3.1-1]: the same packets again, same identifiers, DUP set.
      expect(replay.map((p) => p.messageId)).toEqual(first.slice(1).map((p) => p.messageId));
      expect(replay.every((p) => p.dup && p.qos === qos)).toBe(true);
      expect(dev.resent).toBe(N);
      expect([...dev.acks.values()].every((n) => n === 1)).toBe(true);
      if (qos === 2) expect(tap.up.filter((p) => p.type === 'pubrel' && p.connection === 2)).toHaveLength(N);
      await waitFor(() => got.length === N, { what: 'the resent messages at a subscriber', detail: () => got });
      expect(got.sort()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);

      // The window is free again: N new sends go out and are acked.
      for (let i = 10; i < 10 + N; i++) expect(dev.send(topic, i)).toBe('sent');
      await waitFor(() => dev.acks.size === 2 * N + 1, { what: 'acks after the resume' });
      expect(dev.disconnects).toHaveLength(1);
      expect(dev.errors).toEqual([]);
      await dev.device.close();
    });
  }

  it('reports the in-flight publishes of a clean session in doubt at the loss, and resends nothing', async () => {
    const topic = `fbtest/clean/${uniq()}`;
    const dev = recordedDevice(tap.url, `fb-clean-${uniq()}`, { qos: 1, clean: true, inflight: N });
    const filter = await inFlightAtCrash(dev, topic);
    expect(dev.inDoubt).toBe(N);

    await broker.start();
    await dev.device.connect();
    await dev.device.subscribe([filter]);
    expect(subscribes(2)).toBe(1);
    expect(dev.codes.filter((c) => c.startsWith('session|'))).toEqual(['session|absent', 'session|absent']);
    for (let i = 10; i < 10 + N; i++) expect(dev.send(topic, i)).toBe('sent');
    await waitFor(() => dev.acks.size === N + 1, { what: 'acks of the new sends' });
    expect(publishes(2)).toHaveLength(N);
    expect(publishes(2).some((p) => p.dup)).toBe(false);
    expect(dev.resent).toBe(0);
    expect([1, 2, 3, 4, 5].some((seq) => dev.acks.has(seq))).toBe(false);
    await dev.device.close();
  });

  it('counts a kept session the broker no longer has as lost, and its in-flight publishes in doubt', async () => {
    const topic = `fbtest/lost/${uniq()}`;
    const dev = recordedDevice(tap.url, `fb-lost-${uniq()}`, { qos: 1, clean: false, inflight: N });
    await inFlightAtCrash(dev, topic);
    expect(dev.inDoubt).toBe(0);
    broker.forget();
    await broker.start();
    await dev.device.connect();
    expect(dev.codes.filter((c) => c.startsWith('session|'))).toEqual(['session|absent', 'session|lost']);
    expect(dev.inDoubt).toBe(N);
    expect(dev.send(topic, 10)).toBe('sent');
    await waitFor(() => dev.acks.has(10), { what: 'the ack of a new send' });
    expect(publishes(2).map((p) => p.dup)).toEqual([false]);
    expect(dev.resent).toBe(0);
    await dev.device.close();
  });

  it('reports the in-flight publishes of a killed clean-session device in doubt, with no disconnect', async () => {
    const topic = `fbtest/kill/${uniq()}`;
    const dev = recordedDevice(tap.url, `fb-kill-${uniq()}`, { qos: 1, inflight: N });
    await dev.device.connect();
    broker.freeze();
    for (let i = 1; i <= 3; i++) expect(dev.send(topic, i)).toBe('sent');
    dev.device.kill();
    expect(dev.inDoubt).toBe(3);
    // The close that follows our own kill() is not a loss (MQTT.js clears `connected` in the
    // same 'close' event the device listens to).
    await waitFor(() => !dev.device.connected, { what: 'the killed connection closed' });
    expect(dev.disconnects).toEqual([]);
  });
});
