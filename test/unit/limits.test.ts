// Input bounds: a per-device rate above 1000/s, an interval under 1 ms or more than a million
// devices is refused at validation, naming the field and the limit; what one process runs is
// checked against the per-process limit and the capacity measured in BENCHMARKS.md.
import { describe, expect, it } from 'vitest';
import { checkCapacity, LIMITS } from '../../src/dsl/limits.ts';
import { validateScenario } from '../../src/dsl/validate.ts';
import { every, FleetbenchError, mqtt, poisson, stages } from '../../src/index.ts';
import { problemsOf as problems } from '../helpers/validation.ts';

const FILE = 'scenarios/limits.ts';
const fleet = (over: Record<string, unknown>) => ({
  name: 'limits',
  duration: '10s',
  fleets: { gps: { count: 10, protocol: mqtt(), topic: 'fleet/{id}', send: every('1s'), ...over } },
});
const problemsOf = (s: unknown) => problems(s, FILE);

describe('per-device send limits', () => {
  it.each([
    [
      { send: poisson(1e9) },
      'fleets.gps.send.rate: expected at most 1000 sends/s per device (the limit), got 1000000000/s',
    ],
    [
      { send: poisson('1001/s') },
      'fleets.gps.send.rate: expected at most 1000 sends/s per device (the limit), got 1001/s',
    ],
    [
      { send: every('0.000001us') },
      'fleets.gps.send.interval: expected an interval of at least 1ms, at most 1000 sends/s per device (the limit), got 1e-9ms',
    ],
    [{ send: every('999us') }, 'fleets.gps.send.interval: expected an interval of at least 1ms'],
    [{ send: stages([{ target: '5/ms', duration: '1s' }]) }, 'fleets.gps.send.stages[0].target: expected at most 1000'],
    [
      { send: stages([{ target: '1/s', duration: '1s' }], { from: '2000/s' }) },
      'fleets.gps.send.from: expected at most 1000',
    ],
  ])('refuses %o', (over, message) => {
    expect(problemsOf(fleet(over)).join('\n')).toContain(message);
  });

  it('accepts exactly the limit: every 1ms, poisson 1000/s, a stage to 1000/s', () => {
    for (const send of [every('1ms'), poisson('1000/s'), stages([{ target: '1000/s', duration: '1s' }])])
      expect(validateScenario(fleet({ send }), FILE).groups[0]?.publish?.schedule).toBeDefined();
  });
});

describe('device count limits', () => {
  it('refuses 4 fleets of 1,000,000 devices (more than 1,000,000 in all)', () => {
    const f = { protocol: mqtt(), topic: 't/{id}', send: every('1s'), count: 1_000_000 };
    const list = problemsOf({ name: 'big', duration: '1s', fleets: { a: f, b: f, c: f, d: f } });
    expect(list).toContain('fleets: 4,000,000 devices in all: at most 1,000,000 per scenario (the limit)');
  });

  it('refuses more than the per-process limit in one process, and accepts it split by --shard', () => {
    const plan = validateScenario(fleet({ count: 300_000 }), FILE);
    expect(() => checkCapacity(plan, 1)).toThrow(FleetbenchError);
    expect(() => checkCapacity(plan, 1)).toThrow(
      `${FILE}: 300,000 devices in one process: at most 100,000 (the limit); split the run over machines with --shard i/n (n ≥ 3)`,
    );
    // validate does not know the shard: the same message, as a warning.
    expect(checkCapacity(plan, 1, false)[0]).toContain('300,000 devices in one process');
    expect(checkCapacity(plan, 3).join('\n')).toContain('100,000 devices in one process, above 20,000');
    expect(checkCapacity(plan, 4).length).toBe(1);
  });

  it('warns when the planned rate is above what one machine was measured to send', () => {
    // 300 devices × 1000/s = 300,000 msg/s > 200,000.
    const fast = validateScenario(fleet({ count: 300, send: every('1ms') }), FILE);
    expect(checkCapacity(fast, 1)).toEqual([
      expect.stringContaining(`${FILE}: 300,000 msg/s planned at peak in one process`),
    ]);
    expect(checkCapacity(fast, 2)).toEqual([]);
    expect(LIMITS.warnRatePerS).toBe(200_000);
    // Observers and idle fleets add devices, not rate.
    expect(checkCapacity(validateScenario(fleet({ count: 100, send: every('1ms') }), FILE), 1)).toEqual([]);
  });
});
