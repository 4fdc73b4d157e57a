// `compare`'s default gates and its trust checks: loss, errors and broken promises gated unless
// named, delivery pairs of one run only listed and never judged, setup differences reported,
// and latency noise (the absolute floor, the spread of `run --repeat`) not failing a gate.
import { describe, expect, it } from 'vitest';
import { compareResults, gateLimits } from '../../src/compare/compare.ts';
import type { RunResult } from '../../src/result/types.ts';
import { delivery, encoded, fleet, result, row, times } from '../helpers/results.ts';

describe('gateLimits', () => {
  it('adds the loss, errors and promises gates to the default or given latency limits', () => {
    expect(gateLimits(undefined)).toEqual({ p50: 100, throughput: 10, loss: 0.1, errors: 0, promises: 0 });
    expect(gateLimits(undefined, true)).toEqual({ p99: 25, throughput: 10, loss: 0.1, errors: 0, promises: 0 });
    expect(gateLimits('p90=20%')).toEqual({ p90: 20, loss: 0.1, errors: 0, promises: 0 });
    expect(gateLimits('loss=2%,errors=off,promises=OFF')).toEqual({ loss: 2 });
  });
});

describe('compareResults: delivery promises and loss', () => {
  const withPairs = (pairs: [string, number, boolean?][]): RunResult =>
    result({
      fleets: { gps: fleet(), a: fleet({ kind: 'observer' }), b: fleet({ kind: 'observer' }) },
      delivery: pairs.map(([to, lost, kept]) => {
        const d = delivery('gps', to, 1000, lost);
        if (kept !== undefined) d.verdict = { kept, violations: kept ? [] : ['1 duplicate'] };
        return d;
      }),
    });

  it('fails a promise kept in the baseline and broken in the candidate, not the other way round', () => {
    const limits = gateLimits(undefined);
    const worse = compareResults(withPairs([['a', 0, true]]), withPairs([['a', 0, false]]), limits);
    expect(worse.regressions.map((r) => [r.metric, r.pair, r.note])).toEqual([['promises', 'gps → a', '1 duplicate']]);
    const better = compareResults(withPairs([['a', 0, false]]), withPairs([['a', 0, true]]), limits);
    expect(better.regressions).toEqual([]);
    expect(row(better, 'gps', 'promises')).toMatchObject({ baseline: 0, candidate: 1, regressed: false });
    // Off when named off.
    expect(
      compareResults(withPairs([['a', 0, true]]), withPairs([['a', 0, false]]), gateLimits('promises=off')).regressions,
    ).toEqual([]);
  });

  it('lists a pair of one run only, judges loss over the pairs both have, and fails on more loss by default', () => {
    // The candidate has a new receiver b that lost everything: listed, not a regression.
    const cmp = compareResults(
      withPairs([['a', 0]]),
      withPairs([
        ['a', 0],
        ['b', 1000],
      ]),
      gateLimits(undefined),
    );
    const onlyB = cmp.rows.find((r) => r.pair === 'gps → b');
    expect(onlyB).toMatchObject({ baseline: null, candidate: 0, regressed: false, note: 'only in the candidate' });
    expect(row(cmp, 'gps', 'loss')).toMatchObject({ baseline: 0, candidate: 0, regressed: false });
    expect(cmp.regressions).toEqual([]);
    // 0% → 0.2% on a pair both have: over the default 0.1 points, and the no-loss promise broken.
    const lossy = compareResults(withPairs([['a', 0]]), withPairs([['a', 2]]), gateLimits(undefined));
    expect(lossy.regressions.map((r) => [r.metric, r.change])).toEqual([
      ['loss', 0.2],
      ['promises', -1],
    ]);
    const gone = compareResults(
      withPairs([
        ['a', 0],
        ['b', 0],
      ]),
      withPairs([['a', 0]]),
      gateLimits(undefined),
    );
    expect(gone.rows.find((r) => r.pair === 'gps → b')?.note).toBe('only in the baseline');
    expect(gone.regressions).toEqual([]);
  });

  it('takes end-to-end latency over the receivers both runs have', () => {
    const b = withPairs([['a', 0]]);
    b.histograms = { 'gps>a|e2e': encoded(times(100, 1000)) };
    const c = withPairs([
      ['a', 0],
      ['b', 0],
    ]);
    // The new receiver b is slow; a is unchanged.
    c.histograms = { 'gps>a|e2e': encoded(times(100, 1000)), 'gps>b|e2e': encoded(times(100, 50_000)) };
    const cmp = compareResults(b, c, gateLimits(undefined));
    expect(row(cmp, 'gps', 'max')).toMatchObject({ baseline: 1000, candidate: 1000, change: 0 });
  });

  it('fails new errors by default', () => {
    const make = (n: number) =>
      result({ fleets: { gps: fleet() }, errors: n ? [{ group: 'gps', code: 'X', count: n, message: 'x' }] : [] });
    expect(compareResults(make(0), make(1), gateLimits(undefined)).regressions.map((r) => r.metric)).toEqual([
      'errors',
    ]);
    expect(compareResults(make(2), make(2), gateLimits(undefined)).regressions).toEqual([]);
  });
});

describe('compareResults: setup differences', () => {
  it('names every difference in counts, schedules, duration, targets, versions and environment', () => {
    const b = result({ fleets: { gps: fleet() } });
    const c = result({ fleets: { gps: { ...fleet(), count: 7, send: { schedule: 'every 500ms', messages: null } } } });
    b.fleets.gps!.send = { schedule: 'every 1000ms', messages: null };
    b.targets = { broker: 'embedded' };
    c.targets = { broker: 'tcp://10.0.0.1:1883' };
    c.run.durationMs = 20_000;
    c.environment.fleetbench = '0.2.0';
    (b.scenario as { env?: Record<string, string> }).env = { RATE: '10/s' };
    (c.scenario as { env?: Record<string, string> }).env = { RATE: '20/s' };
    const cmp = compareResults(b, c, {});
    expect(cmp.mismatches).toEqual([
      'device count of gps differs: baseline 5, candidate 7',
      'send schedule of gps differs: baseline "every 1000ms", candidate "every 500ms"',
      'send phase (ms) differs: baseline 10000, candidate 20000',
      'target broker differs: baseline "embedded", candidate "tcp://10.0.0.1:1883"',
      'fleetbench version differs: baseline "0.1.0", candidate "0.2.0"',
      'environment variable RATE differs: baseline "10/s", candidate "20/s"',
    ]);
    expect(cmp.warnings.slice(0, 6)).toEqual(cmp.mismatches);
    expect(compareResults(b, b, {}).mismatches).toEqual([]);
  });
});

describe('compareResults: latency noise', () => {
  const lat = (us: number) => result({ fleets: { gps: fleet() }, latencies: { 'gps|ack': times(100, us) } });

  it('does not fail a latency change within the absolute floor', () => {
    // +80% but only 400 µs worse: inside a 1 ms floor, over a 0.1 ms one.
    const small = compareResults(lat(500), lat(900), { p99: 50 }, { latencyFloorUs: 1000 });
    expect(row(small, 'gps', 'p99')).toMatchObject({
      change: 80,
      regressed: false,
      note: 'within the 1ms latency floor',
    });
    expect(compareResults(lat(500), lat(900), { p99: 50 }, { latencyFloorUs: 100 }).regressions).toHaveLength(1);
  });

  it('with run --repeat spreads, fails only a change outside both runs’ spreads', () => {
    const repeated = (us: number, min: number, max: number): RunResult => {
      const r = lat(us);
      r.repeat = {
        runs: 3,
        runIds: ['a', 'b', 'c'],
        base: 'b',
        metrics: { 'gps.ack.p99': { median: us, min, max, values: [min, us, max] } },
      };
      return r;
    };
    // Median +100%, but the baseline's worst run was slower still: noise.
    const overlap = compareResults(repeated(10_000, 8_000, 25_000), repeated(20_000, 18_000, 22_000), { p99: 10 });
    expect(row(overlap, 'gps', 'p99')).toMatchObject({
      baseline: 10_000,
      candidate: 20_000,
      baselineSpread: [8_000, 25_000],
      regressed: false,
      note: "within the runs' spread",
    });
    // Apart: every candidate run slower than every baseline run.
    const apart = compareResults(repeated(10_000, 9_000, 11_000), repeated(20_000, 18_000, 22_000), { p99: 10 });
    expect(apart.regressions.map((r) => [r.metric, r.change])).toEqual([['p99', 100]]);
  });
});
