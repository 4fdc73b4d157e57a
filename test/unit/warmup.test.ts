// The scenario's warm-up window: its validation, and the split of samples at its boundary by
// the intended time a message's stamp carries (runner/warm-window.ts, runner/warm-split.ts).
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/dsl/validate.ts';
import { every, mqtt, ScenarioError } from '../../src/index.ts';
import { decodeHistogram } from '../../src/metrics/histogram.ts';
import { Recorder } from '../../src/metrics/recorder.ts';
import { receivedInWarmup, SendSplit } from '../../src/runner/warm-split.ts';
import { inWarmup, warmGroup, warmKind, warmupEndUs } from '../../src/runner/warm-window.ts';
import { problemsOf } from '../helpers/validation.ts';

const FILE = 'scenarios/warm.ts';
const scenario = (warmup: unknown): Record<string, unknown> => ({
  name: 'warm',
  duration: '10s',
  warmup,
  fleets: { gps: { count: 2, protocol: mqtt(), topic: 'fleet/{id}/gps', send: every('1s') } },
});

describe('warmup in a scenario', () => {
  it('takes a duration, or a duration and include', () => {
    expect(validateScenario(scenario('5s'), FILE).warmup).toEqual({ durationMs: 5000, include: false });
    expect(validateScenario(scenario({ duration: 2500, include: true }), FILE).warmup).toEqual({
      durationMs: 2500,
      include: true,
    });
    expect(validateScenario(scenario(undefined), FILE).warmup).toBeUndefined();
  });

  it.each<[unknown, string]>([
    ['soon', `warmup: expected a positive duration like '30s' or '250ms', got "soon"`],
    ['10s', 'warmup: the warm-up (10000 ms) must be shorter than the send phase (duration: 10000 ms)'],
    [{ duration: '1s', include: 'yes' }, 'warmup.include: expected true or false, got "yes"'],
    [{ duration: '1s', until: '2s' }, 'warmup.until: unknown field (expected one of duration, include)'],
    [{ include: true }, "warmup.duration: expected a positive duration like '30s' or '250ms', got nothing"],
  ])('refuses %j naming the file and field', (warmup, problem) => {
    expect(problemsOf(scenario(warmup), FILE)).toEqual([problem]);
    expect(() => validateScenario(scenario(warmup), FILE)).toThrow(ScenarioError);
    expect(() => validateScenario(scenario(warmup), FILE)).toThrow(`${FILE}: invalid scenario`);
  });
});

describe('the warm-up boundary', () => {
  const startUs = 1_000_000.4;
  const endUs = warmupEndUs({ durationMs: 5, include: false }, startUs);

  it('ends a whole number of µs after the start; none when absent or included', () => {
    expect(endUs).toBe(1_005_000);
    expect(warmupEndUs(undefined, startUs)).toBe(0);
    expect(warmupEndUs({ durationMs: 5, include: true }, startUs)).toBe(0);
  });

  it('classifies by the intended time as the stamp carries it (whole µs)', () => {
    expect(inWarmup(1_004_999.4, endUs)).toBe(true);
    expect(inWarmup(1_004_999.5, endUs)).toBe(false);
    expect(inWarmup(1_005_000, endUs)).toBe(false);
    expect(inWarmup(1, 0)).toBe(false);
  });

  it('counts sends, lateness and acks before the boundary under the warm-up, the rest under the fleet', () => {
    const recorder = new Recorder(0);
    const ctx = { recorder, lateThresholdUs: 1000, warmupEndUs: endUs };
    const split = new SendSplit(ctx, 'gps', recorder.of('gps'));
    const stamp = (intendedUs: number) => ({ stream: 0, seq: 0, intendedUs, sentUs: intendedUs + 10 });
    // Three sends before the boundary (one 2 ms late), two after.
    for (const t of [1_000_100, 1_004_000, 1_004_999]) {
      split.late(t, t === 1_004_000 ? t + 2000 : t + 10);
      expect(split.sent(t)).toBe(true);
      split.acked(stamp(t), t + 500);
    }
    for (const t of [1_005_000, 1_006_000]) {
      split.late(t, t + 10);
      expect(split.sent(t)).toBe(false);
      split.acked(stamp(t), t + 700);
    }
    // A send due after the boundary that fired early is stamped with when it went out: warm-up.
    split.late(1_005_100, 1_004_900);
    expect(split.sent(1_004_900)).toBe(true);
    const s = recorder.snapshot('run');
    expect(s.counters.gps).toMatchObject({ sent: 2, acked: 2, late: 0 });
    expect(s.counters[warmGroup('gps')]).toMatchObject({ sent: 4, acked: 3, late: 1 });
    const count = (key: string) => decodeHistogram(s.histograms[key] as string).totalCount;
    expect(count('gps|ack')).toBe(2);
    expect(count(`gps|${warmKind('ack')}`)).toBe(3);
    expect(count('gps|send_lateness')).toBe(2);
    expect(count(`gps|${warmKind('send_lateness')}`)).toBe(4);
  });

  it('moves a received warm-up message from the receiver to its warm-up twin', () => {
    const recorder = new Recorder(0);
    const ctx = { recorder, lateThresholdUs: 0, warmupEndUs: endUs };
    const counters = recorder.of('backend');
    counters.received = 2; // acceptStamped counted both
    expect(receivedInWarmup(ctx, 'backend', counters, 1_004_999)).toBe(true);
    expect(receivedInWarmup(ctx, 'backend', counters, 1_005_000)).toBe(false);
    expect(counters.received).toBe(1);
    expect(recorder.of(warmGroup('backend')).received).toBe(1);
  });
});
