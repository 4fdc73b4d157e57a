// MQTT 5 behaviours through the whole runner against Mosquitto (aedes speaks 3.1.1 only):
// command → actuator → reply round trips, shared-subscription groups, topic aliases.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { MOSQUITTO_URL, startMosquitto } from '../helpers/brokers.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';

const targets = { mqtt: MOSQUITTO_URL };

describe('MQTT 5 through the runner against mosquitto', () => {
  it('measures the request/response round trip with response topic and correlation data', async () => {
    // The drain covers the last round trips (two broker hops, QoS 2 on each) on a loaded machine.
    const file = writeScenario(
      'rr',
      `export default defineScenario({
        name: 'request-response', duration: '10s', drain: '3s',
        fleets: { valves: { count: 4, protocol: mqtt({ version: 5, qos: 2 }), subscribe: 'fbtest/{run}/valves/{id}/cmd', reply: true } },
        commands: { scada: { count: 2, protocol: mqtt({ version: 5, qos: 2 }), to: 'valves', topic: 'fbtest/{run}/valves/{target}/cmd', send: every('40ms'), messages: 25, payload: bytes(32) } },
      });`,
    );
    const { result } = await run({ scenario: file, targets, workers: 2, write: false });
    const scada = result.fleets.scada!;
    expect(scada.messages.sent).toBe(50);
    expect(result.fleets.valves!.messages.repliesSent).toBe(50);
    expect(scada.messages.repliesReceived).toBe(50);
    expect(scada.latency.rtt!.corrected.count).toBe(50);
    // Every reply came back on the Response Topic with the command's Correlation Data.
    expect(result.codes['scada|reply|correlated']).toBe(50);
    expect(result.codes['scada|reply|correlation_mismatch']).toBeUndefined();
    // A round trip is two broker hops: it cannot be shorter than the command's own delivery.
    const d = result.delivery.find((x) => x.from === 'scada' && x.to === 'valves')!;
    expect(d.mode).toBe('group');
    expect(d.unique).toBe(50);
    expect(d.duplicated).toBe(0);
    expect(scada.latency.rtt!.corrected.p50).toBeGreaterThanOrEqual(d.latency.corrected.min);
    // Commands go round-robin over the 4 valves: 12 or 13 each.
    expect(d.spread!.members).toBe(4);
    expect(d.spread!.min).toBeGreaterThanOrEqual(12);
    expect(d.spread!.max).toBeLessThanOrEqual(13);
  });

  it('a shared-subscription group of 3 receives every message exactly once across its members', async () => {
    const file = writeScenario(
      'shared',
      `export default defineScenario({
        name: 'shared', duration: '10s', drain: '${DRAIN}',
        fleets: { meters: { count: 6, protocol: mqtt({ version: 5, qos: 1 }), topic: 'fbtest/{run}/meters/{id}', send: every('20ms'), messages: 30, payload: bytes(24) } },
        observers: { workers: { count: 3, share: 'billing', protocol: mqtt({ version: 5, qos: 1 }), subscribe: 'fbtest/{run}/meters/+', receives: ['meters'] } },
      });`,
    );
    const { result } = await run({ scenario: file, targets, workers: 2, write: false });
    const d = result.delivery.find((x) => x.from === 'meters' && x.to === 'workers')!;
    expect(d.mode).toBe('group');
    expect(d.receivers).toBe(3);
    expect(d.expected).toBe(180);
    expect(d.unique).toBe(180);
    expect(d.received).toBe(180);
    expect(d.duplicated).toBe(0);
    expect(d.lost).toBe(0);
    expect(d.verdict.kept).toBe(true);
    // Every member took part and the three shares add up to the whole stream.
    expect(d.spread!.members).toBe(3);
    expect(d.spread!.min).toBeGreaterThan(0);
    expect(d.spread!.mean * 3).toBeCloseTo(180, 5);
  });

  it('topic aliases cut the bytes per message on the wire', async () => {
    const longTopic = 'fbtest/{run}/a-deliberately-long-topic-name/for-alias-savings/{id}';
    const file = writeScenario(
      'alias',
      `export default defineScenario({
        name: 'alias', duration: '10s', drain: '500ms',
        fleets: {
          plain: { count: 2, protocol: mqtt({ version: 5, qos: 0 }), topic: '${longTopic}/p', send: every('20ms'), messages: 40, payload: bytes(24) },
          aliased: { count: 2, protocol: mqtt({ version: 5, qos: 0, topicAlias: true }), topic: '${longTopic}/a', send: every('20ms'), messages: 40, payload: bytes(24) },
        },
      });`,
    );
    const { result } = await run({ scenario: file, targets, workers: 1, write: false });
    const plain = result.fleets.plain!.bytes.sentPerMessage!;
    const aliased = result.fleets.aliased!.bytes.sentPerMessage!;
    // After the first publish the topic (≈70 bytes) is replaced by a 3-byte alias property.
    expect(plain - aliased).toBeGreaterThan(50);
  });
});

describe('QoS promise against what the broker granted', () => {
  it('judges delivery by the QoS in the SUBACK, not the QoS requested [MQTT-3.9.3]', async () => {
    // One broker, two listeners: senders publish at QoS 2 on one; the observer subscribes at
    // QoS 2 on the other, which grants at most QoS 1. Delivery is then at least once, not exactly once.
    const mosq = await startMosquitto(
      { pub: 'listener {port} 127.0.0.1', sub: 'listener {port} 127.0.0.1\nmax_qos 1' },
      'allow_anonymous true\n',
    );
    try {
      const file = writeScenario(
        'granted',
        `export default defineScenario({
          name: 'granted', duration: '10s', drain: '${DRAIN}',
          targets: { pub: 'mqtt://127.0.0.1:${mosq.ports.pub}', sub: 'mqtt://127.0.0.1:${mosq.ports.sub}' },
          fleets: { s: { count: 2, protocol: mqtt({ version: 5, qos: 2, target: 'pub' }), topic: 'fbtest/{run}/{id}', send: every('20ms'), messages: 10, payload: bytes(24) } },
          observers: { o: { protocol: mqtt({ version: 5, qos: 2, target: 'sub' }), receives: ['s'] } },
        });`,
      );
      const { result } = await run({ scenario: file, workers: 1, write: false });
      expect(result.codes['o|suback|1']).toBe(1);
      const d = result.delivery[0]!;
      expect(d.promise).toEqual({
        label: 'QoS 1 (at least once), broker granted QoS 1 of 2',
        short: 'QoS 1',
        noLoss: true,
        noDuplicates: false,
      });
      expect(d.unique).toBe(20);
      expect(d.verdict.kept).toBe(true);
    } finally {
      await mosq.stop();
    }
  });
});
