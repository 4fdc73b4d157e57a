// Session and retained behaviour as first-class deliveries, against Mosquitto: a late subscriber
// gets one retained message per topic and is judged on the live stream from where it joined,
// while a shared subscription that gets a retained message is a protocol violation by name; an
// observer offline on purpose with a kept session gets what was sent meanwhile on its return,
// counted as session-queued deliveries with thresholds and a health check on them.
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import type { RunResult } from '../../src/result/types.ts';
import { MOSQUITTO_URL, type PrivateMosquitto, startMosquitto } from '../helpers/brokers.ts';
import { writeScenario } from '../helpers/scenario.ts';

const health = (r: RunResult, name: string) => r.health?.find((h) => h.name === name);
const row = (r: RunResult, to: string) => r.delivery.find((d) => d.to === to)!;

/** Clears the retained messages a run left on the shared broker ([MQTT-3.3.1-10]: an empty retained payload). */
async function clearRetained(topics: string[]): Promise<void> {
  const c = await mqtt.connectAsync(MOSQUITTO_URL, { reconnectPeriod: 0 });
  for (const t of topics) await c.publishAsync(t, Buffer.alloc(0), { retain: true, qos: 1 });
  await c.endAsync();
}

let broker: PrivateMosquitto | undefined;
afterAll(async () => {
  await broker?.stop();
});

describe('retained and session-queued deliveries (Mosquitto)', () => {
  it('counts one retained message per topic for a late subscriber [MQTT-3.3.1-6] and flags one sent to a shared subscription', async () => {
    const file = writeScenario(
      'sessions-late',
      `export default defineScenario({
        name: 'sessions-late', duration: '1600ms', drain: '800ms',
        fleets: { s: { count: 3, protocol: mqtt({ qos: 1, retain: true }), topic: 'fbtest/{run}/ret/{id}', send: every('200ms'), payload: bytes(24) } },
        observers: {
          early: { protocol: mqtt({ qos: 1 }), receives: ['s'] },
          late: { protocol: mqtt({ qos: 1 }), receives: ['s'], startTime: '700ms' },
          shared: { count: 2, protocol: mqtt({ qos: 1, version: 5 }), receives: ['s'], share: 'g', startTime: '700ms' },
        },
        thresholds: { 'late.retained_delivered': ['count == 3', 'rate == 1'] },
      });`,
    );
    const { result } = await run({ scenario: file, targets: { mqtt: MOSQUITTO_URL }, workers: 1, write: false });
    await clearRetained([0, 1, 2].map((i) => `fbtest/${result.run.id}/ret/${i}`));
    const early = row(result, 'early');
    const late = row(result, 'late');
    // The early observer subscribed before anything was retained: every message arrived live.
    expect(early.retained).toBeUndefined();
    expect(early).toMatchObject({ expected: early.sent, lost: 0, duplicated: 0 });
    // One retained message per topic, none counted as a duplicate, a reorder or a latency; the
    // live stream is expected from where the subscriber joined.
    expect(late.retained).toEqual({ expected: 3, got: 3 });
    expect(late).toMatchObject({ lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(late.expected).toBeGreaterThan(0);
    expect(late.expected).toBeLessThan(late.sent);
    expect(late.latency.corrected.count).toBe(late.received);
    expect(result.fleets.late!.messages.unstamped).toBe(0);
    expect(late.verdict.kept).toBe(true);
    expect(health(result, 'stored_deliveries')?.passed).toBe(true);
    expect(result.thresholds?.map((t) => t.passed)).toEqual([true, true]);
    // 5.0 §4.8.2: a shared subscription is sent no retained message; Mosquitto 2.0 sends them.
    const shared = row(result, 'shared');
    expect(shared.retained?.expected).toBe(0);
    expect(shared.retained?.got).toBeGreaterThanOrEqual(3);
    const violation = result.errors.find((e) => e.code === 'mqtt.retained_to_shared_subscription');
    expect(violation).toMatchObject({ group: 'shared', count: shared.retained?.got });
    expect(violation?.message).toMatch(/retained message on fbtest\/.* to a shared subscription/);
  });

  it('delivers what an offline observer missed from its kept session on return; a broker that drops some fails the row, its threshold and health', async () => {
    // A private Mosquitto that queues at most 4 QoS 1 messages per offline client.
    broker = await startMosquitto(
      { main: 'listener {port} 127.0.0.1\nallow_anonymous true' },
      'max_inflight_messages 2\nmax_queued_messages 4\n',
    );
    const file = writeScenario(
      'sessions-offline',
      `const away = { protocol: mqtt({ qos: 1, version: 5, clean: false, sessionExpiry: '5s' }), offline: { from: '500ms', to: '1200ms' } };
      export default defineScenario({
        name: 'sessions-offline', duration: '2s', drain: '800ms',
        fleets: {
          slow: { count: 1, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/slow/{id}', send: every('300ms'), payload: bytes(24) },
          fast: { count: 2, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/fast/{id}', send: every('100ms'), payload: bytes(24) },
        },
        observers: { kept: { ...away, receives: ['slow'] }, dropped: { ...away, receives: ['fast'] } },
        thresholds: {
          'kept.session_queued_lost': ['count == 0'],
          'kept.session_queued_delivered': ['rate == 1'],
          'dropped.session_queued_lost': ['count == 0'],
        },
      });`,
    );
    const url = `mqtt://127.0.0.1:${broker.ports.main}`;
    const { result } = await run({ scenario: file, targets: { mqtt: url }, workers: 1, write: false });
    const kept = row(result, 'kept');
    const q = kept.sessionQueued!;
    // One send per 300 ms over 700 ms offline: all of it queued and delivered on return.
    expect(q.sent).toBeGreaterThanOrEqual(2);
    expect(q).toMatchObject({ fromMs: 500, toMs: 1200, expected: q.sent, got: q.sent, lost: 0 });
    expect(kept).toMatchObject({ expected: kept.sent, lost: 0 });
    // Delivered on return: a delivery, not a latency (its age is the offline phase).
    expect(kept.latency.service.count).toBeLessThanOrEqual(kept.received - q.got + 1);
    expect(kept.latency.service.max).toBeLessThan(700_000);
    expect(result.fleets.kept!.devices.disconnects).toBe(0);
    // 2 devices × one send per 100 ms over 700 ms: more than the broker holds for an offline client.
    const dropped = row(result, 'dropped');
    const d = dropped.sessionQueued!;
    expect(d.sent).toBeGreaterThanOrEqual(12);
    // At most 4 queued and 2 in flight, give or take one delivered live at the phase's edge.
    expect(d.got).toBeLessThanOrEqual(7);
    expect(d).toMatchObject({ expected: d.sent, lost: d.sent - d.got });
    expect(dropped.verdict.kept).toBe(false);
    const stored = health(result, 'stored_deliveries');
    expect(stored).toMatchObject({ passed: false, groups: ['dropped'] });
    expect(stored?.message).toMatch(
      /queued by the session while offline 500ms–1.2s: sent \d+, expected \d+, got \d, lost \d+/,
    );
    expect(health(result, 'outages')?.passed).toBe(true);
    expect(result.thresholds?.map((t) => [t.key, t.passed])).toEqual([
      ['kept.session_queued_lost', true],
      ['kept.session_queued_delivered', true],
      ['dropped.session_queued_lost', false],
    ]);
  });
});
