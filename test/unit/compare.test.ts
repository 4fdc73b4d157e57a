// `fleetbench compare`: the --max-regression parser, and the comparison of two results built
// from real HDR histograms, so that every percentile is known exactly.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, FleetbenchError } from '../../src/base/errors.ts';
import {
  type Comparison,
  compareResults,
  parseMaxRegression,
  REGRESSION_METRICS,
  type RegressionLimits,
} from '../../src/compare/compare.ts';
import { createHistogram, recordUs, summarize } from '../../src/metrics/histogram.ts';
import type { RunResult } from '../../src/result/types.ts';
import { delivery, type FleetSpec, fleet, result, row, times } from '../helpers/results.ts';

/** A one-fleet pair differing only in what the test sets. */
function pair(
  b: FleetSpec & { latencies?: number[] },
  c: FleetSpec & { latencies?: number[] },
  limits: RegressionLimits,
): Comparison {
  const one = (s: FleetSpec & { latencies?: number[] }) =>
    result({ fleets: { gps: fleet(s) }, ...(s.latencies ? { latencies: { 'gps|ack': s.latencies } } : {}) });
  return compareResults(one(b), one(c), limits);
}

describe('parseMaxRegression', () => {
  it('reads comma-separated metric=N%, the % optional, case and spaces forgiven', () => {
    expect(parseMaxRegression('p99=10%,throughput=5%')).toEqual({ p99: 10, throughput: 5 });
    expect(parseMaxRegression(' P999 = 2.5 % , loss=0.1, errors=0% ')).toEqual({ p999: 2.5, loss: 0.1, errors: 0 });
    const all = parseMaxRegression(REGRESSION_METRICS.map((m, i) => `${m}=${i}`).join(','));
    expect(Object.keys(all)).toEqual([...REGRESSION_METRICS]);
  });

  it.each([
    ['', 'empty'],
    ['p98=10%', 'unknown metric "p98"'],
    ['p99=ten', '"p99=ten" is not metric=N%'],
    ['p99=-5%', '"p99=-5%" is not metric=N%'],
    ['p99', '"p99" is not metric=N%'],
    ['p99=10%,,throughput=5%', 'empty entry'],
    ['p99=10%,P99=20%', 'p99 is given twice'],
  ])('rejects %j naming the problem and the valid metrics', (spec, problem) => {
    let thrown: unknown;
    try {
      parseMaxRegression(spec);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(FleetbenchError);
    expect((thrown as FleetbenchError).code).toBe(ErrorCodes.OPTION_INVALID);
    expect((thrown as Error).message).toContain(`--max-regression: ${problem}`);
    expect((thrown as Error).message).toContain(
      'valid metrics: p50, p90, p99, p999, max, throughput, received, loss, errors, bytes, energy',
    );
  });
});

describe('compareResults: latency', () => {
  it('merges the end-to-end histograms of every receiver exactly, ignoring the stored summaries', () => {
    // Below 2048 µs every value is its own bucket. p99: 1500 for a alone, 1200 for b alone, 1300 merged.
    const toA = [...times(900, 1000), ...times(85, 1300), ...times(15, 1500)];
    const toB = times(1000, 1200);
    const make = (scale: number) =>
      result({
        fleets: { gps: fleet(), a: fleet({ kind: 'observer' }), b: fleet({ kind: 'observer' }) },
        delivery: [delivery('gps', 'a', 1000, 0), delivery('gps', 'b', 1000, 0)],
        latencies: {
          'gps>a|e2e': toA.map((v) => v * scale),
          'gps>b|e2e': toB.map((v) => v * scale),
          'gps|ack': times(10, 1),
        },
      });
    const c = compareResults(make(1), make(1.5), {});
    // The percentiles of all 2000 values recorded into one histogram.
    const all = createHistogram();
    for (const v of [...toA, ...toB]) recordUs(all, v);
    const expected = summarize(all);
    const p99 = row(c, 'gps', 'p99');
    expect(p99.source).toBe('e2e');
    expect(p99.baseline).toBe(expected.p99);
    expect(p99.baseline).toBe(1300);
    expect(row(c, 'gps', 'p50').baseline).toBe(expected.p50);
    expect(row(c, 'gps', 'p90').baseline).toBe(expected.p90);
    expect(row(c, 'gps', 'p90').baseline).toBe(1200);
    expect(p99.candidate).toBe(1950);
    expect(p99.change).toBe(50);
    // Ungated: shown, never a regression.
    expect(p99.limit).toBeNull();
    expect(p99.regressed).toBe(false);
    expect(c.regressions).toEqual([]);
    // Receivers have no latency of their own and never send.
    expect(c.rows.filter((r) => r.fleet === 'a').map((r) => r.metric)).toEqual(['bytes']);
  });

  it('falls back to the ack histogram, then to rtt, using a source both results have', () => {
    const ack = compareResults(
      result({ fleets: { gps: fleet() }, latencies: { 'gps|ack': times(10, 700), 'gps|rtt': times(10, 5) } }),
      result({ fleets: { gps: fleet() }, latencies: { 'gps|ack': times(10, 700) } }),
      {},
    );
    expect(row(ack, 'gps', 'p99')).toMatchObject({ source: 'ack', baseline: 700, candidate: 700, change: 0 });
    const rtt = compareResults(
      result({ fleets: { scada: fleet() }, latencies: { 'scada|rtt': times(10, 1200) } }),
      result({ fleets: { scada: fleet() }, latencies: { 'scada|rtt': times(10, 600) } }),
      { p99: 0 },
    );
    expect(row(rtt, 'scada', 'max')).toMatchObject({
      source: 'rtt',
      baseline: 1200,
      candidate: 600,
      change: -50,
      regressed: false,
    });
    // An improvement is not a regression, even with no allowance at all.
    expect(row(rtt, 'scada', 'p99').regressed).toBe(false);
  });

  it('gates p99 strictly over the limit: +10% passes at 10%, fails at 9.99%', () => {
    // Values below 2048 µs are recorded exactly at 3 significant digits.
    expect(pair({ latencies: times(100, 1000) }, { latencies: times(100, 1100) }, { p99: 10 }).regressions).toEqual([]);
    const over = pair({ latencies: times(100, 1000) }, { latencies: times(100, 1100) }, { p99: 9.99 });
    expect(over.regressions.map((r) => [r.metric, r.change])).toEqual([['p99', 10]]);
    expect(
      pair({ latencies: times(100, 1000) }, { latencies: times(100, 1101) }, { p99: 10 }).regressions,
    ).toHaveLength(1);
  });

  it('fails a gated latency the candidate no longer measured', () => {
    const c = pair({ latencies: times(10, 500) }, {}, { p99: 10 });
    expect(row(c, 'gps', 'p99')).toMatchObject({
      baseline: 500,
      candidate: null,
      change: null,
      regressed: true,
      note: 'not measured in the candidate',
    });
    // Not gated: shown, not failed.
    expect(row(c, 'gps', 'p50').regressed).toBe(false);
  });
});

describe('compareResults: rates, loss, errors, bytes, energy', () => {
  it('throughput: lower is worse, a drop of exactly the limit passes', () => {
    expect(pair({ sentPerS: 100 }, { sentPerS: 95 }, { throughput: 5 }).regressions).toEqual([]);
    const drop = pair({ sentPerS: 100 }, { sentPerS: 94.99 }, { throughput: 5 });
    expect(drop.regressions.map((r) => r.metric)).toEqual(['throughput']);
    expect(drop.regressions[0]?.change).toBe(-5.01);
    expect(pair({ sentPerS: 100 }, { sentPerS: 400 }, { throughput: 0 }).regressions).toEqual([]);
    expect(pair({ receivedPerS: 50 }, { receivedPerS: 40 }, { received: 10 }).regressions.map((r) => r.metric)).toEqual(
      ['received'],
    );
  });

  it('loss: an absolute increase in percentage points, over all receivers of the fleet', () => {
    const make = (lostA: number, lostB: number) =>
      result({
        fleets: { gps: fleet(), a: fleet(), b: fleet() },
        delivery: [delivery('gps', 'a', 1000, lostA), delivery('gps', 'b', 1000, lostB)],
      });
    // 2/2000 = 0.1% → 4/2000 = 0.2%: +0.1 points, allowed at 0.1.
    const ok = compareResults(make(1, 1), make(3, 1), { loss: 0.1 });
    expect(row(ok, 'gps', 'loss')).toMatchObject({ baseline: 0.001, candidate: 0.002, change: 0.1, regressed: false });
    const over = compareResults(make(1, 1), make(3, 2), { loss: 0.1 });
    expect(row(over, 'gps', 'loss')).toMatchObject({ change: 0.15, regressed: true });
    expect(compareResults(make(3, 2), make(0, 0), { loss: 0 }).regressions).toEqual([]);
  });

  it('errors: a relative increase; any error from none fails the gate', () => {
    const make = (n: number) =>
      result({
        fleets: { gps: fleet() },
        errors: n
          ? [
              { group: 'gps', code: 'FB_X', count: n, message: 'x' },
              { group: 'other', code: 'FB_X', count: 99, message: 'x' },
            ]
          : [],
      });
    expect(row(compareResults(make(10), make(15), { errors: 50 }), 'gps', 'errors')).toMatchObject({
      baseline: 10,
      candidate: 15,
      change: 50,
      regressed: false,
    });
    expect(compareResults(make(10), make(16), { errors: 50 }).regressions).toHaveLength(1);
    expect(row(compareResults(make(0), make(1), { errors: 1000 }), 'gps', 'errors')).toMatchObject({
      baseline: 0,
      candidate: 1,
      change: null,
      regressed: true,
    });
    expect(compareResults(make(0), make(0), { errors: 0 }).regressions).toEqual([]);
  });

  it('bytes and energy per message: higher is worse', () => {
    const c = pair({ bytesPerMessage: 50, energy: 2 }, { bytesPerMessage: 60, energy: 1.5 }, { bytes: 10, energy: 0 });
    expect(row(c, 'gps', 'bytes')).toMatchObject({ change: 20, regressed: true });
    expect(row(c, 'gps', 'energy')).toMatchObject({ baseline: 2, candidate: 1.5, change: -25, regressed: false });
    expect(c.regressions.map((r) => r.metric)).toEqual(['bytes']);
  });
});

describe('compareResults: what is compared', () => {
  it('lists fleets of one result only, and warns about different scenarios and unchecked limits', () => {
    const b = result({ name: 'broker', hash: 'aaaa', fleets: { gps: fleet(), old: fleet() } });
    const c = result({ name: 'broker', hash: 'bbbb', fleets: { gps: fleet(), fresh: fleet() } });
    const cmp = compareResults(b, c, { energy: 5 });
    expect(cmp.onlyInBaseline).toEqual(['old']);
    expect(cmp.onlyInCandidate).toEqual(['fresh']);
    expect(new Set(cmp.rows.map((r) => r.fleet))).toEqual(new Set(['gps']));
    expect(cmp.warnings).toContain('the scenario file changed between the runs (hash aaaa vs bbbb)');
    expect(cmp.warnings).toContain(
      '--max-regression energy: no fleet measured it in the baseline, so it was not checked',
    );
    const other = compareResults(b, result({ name: 'other', fleets: { gps: fleet() } }), {});
    expect(other.warnings[0]).toBe('different scenarios: baseline "broker", candidate "other"');
  });

  it('warns when a run failed its default health checks, naming each and what was seen', () => {
    const b = result({ fleets: { gps: fleet() } });
    const c = {
      ...result({ fleets: { gps: fleet() } }),
      health: [
        { name: 'cross_talk', passed: true, message: 'fine', groups: [], waived: false },
        {
          name: 'connect_errors',
          passed: false,
          message: '3 connection attempts failed: gps 3',
          groups: ['gps'],
          waived: false,
        },
      ],
    } satisfies RunResult;
    expect(compareResults(b, c, {}).warnings).toContain(
      'the candidate failed its health checks: connect_errors (3 connection attempts failed: gps 3)',
    );
    expect(compareResults(b, b, {}).warnings.some((w) => w.includes('health'))).toBe(false);
  });

  it('refuses two results without a fleet in common', () => {
    expect(() => compareResults(result({ fleets: { a: fleet() } }), result({ fleets: { b: fleet() } }), {})).toThrow(
      /no fleet in common \(baseline: a; candidate: b\)/,
    );
  });
});
