// Scripted faults and reconnect policies as a scenario writes them: validated with the field
// named, devices picked exactly and the same whatever the sharding, backoff that doubles to its
// cap with the jitter asked for.
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { DEFAULT_RECONNECT, picked, resolveFaults, resolveReconnect } from '../../src/dsl/faults.ts';
import { emptyCounters } from '../../src/metrics/counters.ts';
import { Recovery } from '../../src/runner/recovery.ts';
import { waitFor } from '../helpers/wait.ts';

const GROUPS = ['sensors', 'gps', 'dash'];

function faults(raw: unknown, durationMs = 60_000) {
  const check = new Checker();
  const plans = resolveFaults(check, raw, GROUPS, durationMs);
  return { plans, problems: check.problems };
}

describe('faults', () => {
  it('resolves each kind of fault with its defaults', () => {
    const { plans, problems } = faults([
      { at: '10s', kill: 'sensors', fraction: '20%' },
      { at: '12s', disconnect: ['gps', 'dash'] },
      { at: '20s', churn: 'gps', rate: '50/s', for: '5s' },
      { at: '30s', reconnectStorm: 'all' },
    ]);
    expect(problems).toEqual([]);
    expect(plans).toEqual([
      { index: 0, action: 'kill', atMs: 10_000, groups: ['sensors'], fraction: 0.2, graceful: false },
      { index: 1, action: 'disconnect', atMs: 12_000, groups: ['gps', 'dash'], fraction: 1, graceful: true },
      {
        index: 2,
        action: 'churn',
        atMs: 20_000,
        groups: ['gps'],
        fraction: 1,
        ratePerS: 50,
        forMs: 5000,
        graceful: false,
      },
      { index: 3, action: 'reconnectStorm', atMs: 30_000, groups: GROUPS, fraction: 1, graceful: false },
    ]);
  });

  it('names the field and what was expected for every mistake', () => {
    const { problems } = faults(
      [
        { at: '10s', kill: 'sensor' },
        { at: '10s', kill: 'sensors', disconnect: 'gps' },
        { at: 'soon', kill: 'sensors', fraction: '120%' },
        { at: '90s', churn: 'gps' },
        { at: '1s', reconnectStorm: 'all', fraction: 0.5 },
        'kill everything',
      ],
      60_000,
    );
    expect(problems).toEqual([
      `faults[0].kill: expected a group name (sensors, gps, dash) or 'all', got "sensor"`,
      'faults[1]: expected exactly one of kill, disconnect, churn, reconnectStorm, got kill and disconnect',
      `faults[2].at: expected a duration like '30s' or '250ms', got "soon"`,
      `faults[2].fraction: expected a share from 0 to 1 or a percentage ('20%'), got "120%"`,
      'faults[3].at: expected a time within the send phase (duration 60000 ms), got "90s"',
      `faults[3].rate: expected a positive rate like '5/s' or '300/m', got nothing`,
      'faults[4].fraction: unknown field (expected one of at, reconnectStorm)',
      'faults[5]: expected an object, got "kill everything"',
    ]);
  });

  it('picks exactly floor(count × fraction) devices, spread over the fleet', () => {
    for (const [count, fraction] of [
      [10, 0.2],
      [41, 0.2],
      [1000, 0.333],
      [7, 1],
      [5, 0],
    ] as const) {
      const chosen = Array.from({ length: count }, (_, i) => i).filter((i) => picked(i, fraction));
      expect(chosen.length).toBe(Math.floor(count * fraction + 1e-9));
    }
    expect(Array.from({ length: 10 }, (_, i) => i).filter((i) => picked(i, 0.2))).toEqual([4, 9]);
  });
});

describe('reconnect policy', () => {
  it('defaults to 1 s doubling to 60 s with full jitter, and false stays down', () => {
    const check = new Checker();
    expect(resolveReconnect(check, 'fleets.s.reconnect', undefined)).toEqual(DEFAULT_RECONNECT);
    expect(resolveReconnect(check, 'fleets.s.reconnect', false)).toBe(false);
    expect(resolveReconnect(check, 'fleets.s.reconnect', { initial: '250ms', max: '4s', jitter: 'none' })).toEqual({
      initialMs: 250,
      maxMs: 4000,
      jitter: 0,
    });
    expect(check.problems).toEqual([]);
  });

  it('refuses a cap below the first wait and a jitter it cannot read', () => {
    const check = new Checker();
    resolveReconnect(check, 'fleets.s.reconnect', { initial: '5s', max: '1s', jitter: 'lots', every: '1s' });
    expect(check.problems).toEqual([
      'fleets.s.reconnect.every: unknown field (expected one of initial, max, jitter)',
      'fleets.s.reconnect.max: expected a duration at least as long as initial (5000 ms), got "1s"',
      `fleets.s.reconnect.jitter: expected 'full', 'none', or a share of each wait from 0 to 1 ('50%'), got "lots"`,
    ]);
  });

  it('retries with waits doubling to the cap until the device is back, then counts the outage', async () => {
    const counters = emptyCounters();
    const attempts: number[] = [];
    let backAfterUs = -1;
    // No jitter: the waits are exactly 20, 40, 80, 80 ms; the fifth attempt succeeds.
    const recovery = new Recovery({ initialMs: 20, maxMs: 80, jitter: 0 }, () => 0.5, counters, {
      attempt: async () => {
        attempts.push(performance.now());
        return attempts.length === 5;
      },
      back: (downUs) => {
        backAfterUs = downUs;
      },
    });
    const start = performance.now();
    recovery.lost();
    expect(recovery.isDown).toBe(true);
    await waitFor(() => backAfterUs >= 0);
    const gaps = attempts.map((t, i) => t - (i === 0 ? start : (attempts[i - 1] as number)));
    // Node's timers fire at most a millisecond early (rounding); a busy machine may fire them late.
    const waits = [20, 40, 80, 80, 80];
    expect(gaps.map((g, i) => g >= (waits[i] ?? 0) - 1.5)).toEqual([true, true, true, true, true]);
    expect(counters.reconnectAttempts).toBe(5);
    expect(recovery.isDown).toBe(false);
    expect(backAfterUs / 1000).toBeGreaterThanOrEqual(20 + 40 + 80 + 80 + 80 - 5);
    expect(counters.downMs).toBeCloseTo(backAfterUs / 1000, 3);
    await recovery.stop();
    expect(counters.unrecovered).toBe(0);
  });

  it('with reconnect: false, a lost device stays down and is unrecovered at the end', async () => {
    const counters = emptyCounters();
    let tried = 0;
    const recovery = new Recovery(false, () => 0.5, counters, {
      attempt: async () => {
        tried++;
        return true;
      },
      back: () => undefined,
    });
    recovery.lost();
    await new Promise((r) => setTimeout(r, 30));
    await recovery.stop();
    expect(tried).toBe(0);
    expect(counters.unrecovered).toBe(1);
    expect(counters.downMs).toBeGreaterThan(0);
  });
});
