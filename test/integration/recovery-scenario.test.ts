// scenarios/recovery.ts, the recovery CI job of docs/faults.md, against the machine's Mosquitto:
// 20% of the fleet killed (each leaves its Last Will), then a reconnect storm. Every device comes
// back, every will is counted at the observer, and the thresholds decide the verdict.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { MOSQUITTO_URL } from '../helpers/brokers.ts';

const SCENARIO = fileURLToPath(new URL('../../scenarios/recovery.ts', import.meta.url));

describe('the recovery scenario', () => {
  it('counts every kill, every reconnect and every Last Will, and passes on its thresholds', async () => {
    const { result } = await run({ scenario: SCENARIO, targets: { mqtt: MOSQUITTO_URL }, workers: 1, write: false });
    const sensors = result.fleets.sensors!;
    // 10 of 50 killed at 2 s, then all 50 at 5 s: 60 drops, all scripted, all back.
    expect(result.codes['sensors|fault|0']).toBe(10);
    expect(result.codes['sensors|fault|1']).toBe(50);
    expect(sensors.devices).toMatchObject({ disconnects: 60, faulted: 60, reconnects: 60, unrecovered: 0 });
    expect(result.codes['sensors|lost|injected_kill']).toBe(60);
    expect(sensors.latency.reconnect?.count).toBe(60);
    // Each kill published the connection's will: the will row expects 60 and got them, once each.
    const wills = result.delivery.find((d) => d.from === 'sensors:will')!;
    expect(wills).toMatchObject({ to: 'wills', sent: 60, expected: 60, unique: 60, lost: 0, duplicated: 0 });
    expect(wills.promise.short).toBe('QoS 1');
    expect(wills.verdict.kept).toBe(true);
    // The will group is not a fleet of its own.
    expect(result.fleets['sensors:will']).toBeUndefined();
    // Telemetry: nothing lost beyond what was in flight at a kill (a clean session does not resend it).
    const telemetry = result.delivery.find((d) => d.from === 'sensors' && d.to === 'backend')!;
    expect(telemetry.lost).toBeLessThanOrEqual(sensors.messages.inDoubt);
    expect(telemetry.verdict.kept).toBe(true);
    expect(telemetry.unsent).toBe(sensors.messages.unsent);
    expect(result.thresholds?.map((t) => [t.key, t.passed])).toEqual([
      ['sensors.reconnect_latency', true],
      ['sensors.unrecovered', true],
      ['sensors.unsent', true],
      ['sensors.loss', true],
    ]);
    expect(result.health?.every((h) => h.passed)).toBe(true);
  });
});
