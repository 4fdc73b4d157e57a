// N devices × M messages at each QoS, through the real runner (worker threads, snapshots,
// merge), against the embedded aedes broker and the machine's Mosquitto: exact counts.
//
// One run per broker carries the three QoS levels side by side: a fleet and an observer group
// for each, on topics of its own, so each level's counts, latencies and bytes are its own groups'
// (every figure checked below is per group or per delivery pair). A run costs its worker threads'
// start-up and its drain: three runs instead of seven. The runs have their own topics ({run}) and,
// on aedes, their own broker, so they are concurrent (`describe.concurrent`, with the test's own
// `expect`; at most 3 at a time, test/vitest.config.ts).
import { beforeAll, describe, it } from 'vitest';
import { run } from '../../src/index.ts';
import type { RunResult } from '../../src/result/types.ts';
import { MOSQUITTO_URL } from '../helpers/brokers.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';

const DEVICES = 10;
const MESSAGES = 20;
const OBSERVERS = 2;
const LEVELS = [0, 1, 2] as const;

/**
 * Per QoS level q: fleet `sensor<q>` (7 characters, as the client id's byte count below assumes)
 * publishing on fbtest/{run}/q<q>/{id}, observed at QoS q by `sink<q>`.
 */
function scenario(): string {
  const fleets = LEVELS.map(
    (qos) =>
      `sensor${qos}: { count: ${DEVICES}, protocol: mqtt({ qos: ${qos} }), topic: 'fbtest/{run}/q${qos}/{id}', send: every('25ms'), messages: ${MESSAGES}, payload: bytes(40) },`,
  );
  const observers = LEVELS.map(
    (qos) =>
      `sink${qos}: { count: ${OBSERVERS}, protocol: mqtt({ qos: ${qos} }), subscribe: 'fbtest/{run}/q${qos}/+', receives: ['sensor${qos}'] },`,
  );
  return writeScenario(
    'delivery',
    `export default defineScenario({
      name: 'delivery',
      duration: '10s',
      drain: '${DRAIN}',
      fleets: { ${fleets.join('\n')} },
      observers: { ${observers.join('\n')} },
    });`,
  );
}

const brokers = [
  ['aedes (embedded)', undefined],
  ['mosquitto', MOSQUITTO_URL],
] as const;

describe.concurrent.each(brokers)('MQTT delivery through the runner against %s', (_name, url) => {
  let result: RunResult;
  let wallUs: number;
  beforeAll(async () => {
    const t0 = process.hrtime.bigint();
    ({ result } = await run({
      scenario: scenario(),
      workers: 2,
      write: false,
      ...(url ? { targets: { mqtt: url } } : {}),
    }));
    wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  });

  it.for(LEVELS)('QoS %i: every message arrives exactly as promised', (qos, { expect }) => {
    const sensors = result.fleets[`sensor${qos}`]!;
    const total = DEVICES * MESSAGES;
    expect(result.run.partial).toBe(false);
    expect(sensors.devices.peakConnected).toBe(DEVICES);
    expect(sensors.messages.sent).toBe(total);
    expect(sensors.messages.dropped).toBe(0);
    // 10 devices × one message per 25 ms = 400/s while sending; the phase ended when the
    // message limits were reached (the last send is due at 475 ms), not at the configured 10 s
    // (which would make it 20/s): more than 40/s means it ended before half of it, however late a
    // busy machine fired the sends. Sends are never early, so the rate stays below 200 / 0.475 s.
    expect(sensors.rates.sentPerS).toBeGreaterThan(total / 5);
    expect(sensors.rates.sentPerS).toBeLessThan(450);

    const d = result.delivery.find((x) => x.from === `sensor${qos}` && x.to === `sink${qos}`)!;
    expect(d.receivers).toBe(OBSERVERS);
    expect(d.expected).toBe(total * OBSERVERS);
    // A healthy local broker loses nothing even at QoS 0; QoS 1 and 2 promise it.
    expect(d.unique).toBe(total * OBSERVERS);
    expect(d.lost).toBe(0);
    if (qos === 2) expect(d.duplicated).toBe(0);
    expect(d.verdict.kept).toBe(true);
    expect(d.promise.noLoss).toBe(qos >= 1);

    // Latency: every delivery recorded, percentiles ordered, in microseconds: no latency can be
    // longer than the whole run took (a unit mistake of ×1000 would be).
    const e2e = d.latency.corrected;
    expect(e2e.count).toBe(d.received);
    expect(e2e.p50).toBeGreaterThan(0);
    expect(e2e.p50).toBeLessThanOrEqual(e2e.p99);
    expect(e2e.p99).toBeLessThanOrEqual(e2e.max);
    expect(e2e.max).toBeLessThan(wallUs);
    // Service time excludes generator lateness, so it can never exceed the corrected latency.
    expect(d.latency.service.p50).toBeLessThanOrEqual(e2e.p50);
    if (qos > 0) {
      expect(sensors.messages.acked).toBe(total);
      expect(sensors.latency.ack!.corrected.count).toBe(total);
    } else {
      expect(sensors.latency.ack).toBeUndefined();
    }
    // Exact application bytes per sensor, from the packet formats (MQTT 3.1.1):
    //   CONNECT 14 + client id (§3.1; 'fb-<run>-sensor<q>-<id>' is 19 bytes),
    //   PUBLISH 1 + 1 + 2 + topic (18) + [2 packet id at QoS > 0] + 40 payload (§3.3),
    //   PUBREL 4 per message at QoS 2 (§3.6), DISCONNECT 2 (§3.14); at QoS 0 the close's read
    //   fence, a PINGREQ 2 (§3.12) behind the last publish, whose PINGRESP shows them all read.
    const publish = 1 + 1 + 2 + 18 + (qos > 0 ? 2 : 0) + 40 + (qos === 2 ? 4 : 0);
    const perSensor = 14 + 19 + MESSAGES * publish + (qos === 0 ? 2 : 0) + 2;
    expect(sensors.bytes.perDevice.minSent).toBe(perSensor);
    expect(sensors.bytes.perDevice.maxSent).toBe(perSensor);
    expect(sensors.bytes.sent).toBe(perSensor * DEVICES);
    // Each message reached both observers: the bytes per delivered copy are half those per send.
    expect(sensors.bytes.sentPerDelivered).toBeCloseTo(sensors.bytes.sent / (total * OBSERVERS), 1);
    expect(result.fleets[`sink${qos}`]!.bytes.received).toBeGreaterThan(total * OBSERVERS * 40);
  });
});

describe.concurrent('per-stream delivery verdicts', () => {
  it('names every (stream, receiver) that lost messages, and their losses add up', async ({ expect }) => {
    // The observer expects all 3 sensors but subscribes to sensor 1 only: streams 0 and 2 are
    // lost at the receiver, deterministically, on a perfectly healthy broker.
    const file = writeScenario(
      'partial-sub',
      `export default defineScenario({
        name: 'partial-sub', duration: '10s', drain: '${DRAIN}',
        fleets: { s: { count: 3, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/s/{id}', send: every('20ms'), messages: 10, payload: bytes(24) } },
        observers: { o: { count: 2, protocol: mqtt({ qos: 1 }), subscribe: 'fbtest/{run}/s/1', receives: ['s'] } },
      });`,
    );
    const { result } = await run({ scenario: file, workers: 2, write: false });
    const d = result.delivery.find((x) => x.from === 's' && x.to === 'o')!;
    expect(d.expected).toBe(60);
    expect(d.unique).toBe(20);
    expect(d.lost).toBe(40);
    expect(d.verdict.kept).toBe(false);
    expect(d.verdict.violations).toEqual(['40 lost']);
    expect(d.issueCount).toBe(4);
    expect(d.issues.map((i) => `${i.stream}→${i.receiver}:${i.lost}/${i.sent}`).sort()).toEqual([
      's#0→o#0:10/10',
      's#0→o#1:10/10',
      's#2→o#0:10/10',
      's#2→o#1:10/10',
    ]);
    expect(d.issues.reduce((n, i) => n + i.lost, 0)).toBe(d.lost);
  });
});
