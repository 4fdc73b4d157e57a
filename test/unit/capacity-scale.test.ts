// Scaling a plan's load for capacity steps, the generator checks on a step's figures, and the
// --metrics-port address: the pure parts under `fleetbench capacity` and the live endpoint.
import { describe, expect, it } from 'vitest';
import { busyCpu, disturbed } from '../../src/capacity/generator.ts';
import type { GroupPlan } from '../../src/dsl/plan.ts';
import { offeredLoad, scaleGroups, scaleSchedule } from '../../src/dsl/scale.ts';
import { parseMetricsAddress } from '../../src/live/metrics-endpoint.ts';
import type { RunResult } from '../../src/result/types.ts';

const group = (name: string, kind: GroupPlan['kind'], count: number, intervalUs?: number): GroupPlan =>
  ({
    name,
    kind,
    count,
    publish:
      intervalUs === undefined
        ? undefined
        : {
            topic: 't',
            schedule: { kind: 'every', intervalUs, jitterUs: intervalUs / 10 },
            payload: {},
            messages: undefined,
          },
  }) as unknown as GroupPlan;

describe('scaling a plan for a capacity step', () => {
  it('scales the devices of the groups that send, never the receivers, and counts the offered load', () => {
    const groups = [group('a', 'fleet', 10, 100_000), group('b', 'fleet', 3, 1_000_000), group('o', 'observer', 2)];
    expect(offeredLoad(groups)).toEqual({ devices: 13, perS: 103 });
    scaleGroups(groups, { vary: 'devices', factor: 2.5 });
    expect(groups.map((g) => g.count)).toEqual([25, 8, 2]);
    expect(offeredLoad(groups)).toEqual({ devices: 33, perS: 258 });
    const tiny = [group('a', 'fleet', 3, 100_000)];
    scaleGroups(tiny, { vary: 'devices', factor: 0.01 });
    expect(tiny[0]?.count).toBe(1);
  });

  it('scales per-device rates: intervals and jitter shrink, poisson and stages rates grow', () => {
    const groups = [group('a', 'fleet', 10, 100_000), group('o', 'observer', 1)];
    scaleGroups(groups, { vary: 'rate', factor: 4 });
    expect(groups[0]?.count).toBe(10);
    expect(groups[0]?.publish?.schedule).toEqual({ kind: 'every', intervalUs: 25_000, jitterUs: 2500 });
    expect(offeredLoad(groups).perS).toBe(400);
    expect(scaleSchedule({ kind: 'poisson', ratePerS: 5 }, 3)).toEqual({ kind: 'poisson', ratePerS: 15 });
    expect(
      scaleSchedule({ kind: 'stages', fromPerS: 1, poisson: false, stages: [{ targetPerS: 10, durationUs: 5 }] }, 2),
    ).toEqual({ kind: 'stages', fromPerS: 2, poisson: false, stages: [{ targetPerS: 20, durationUs: 5 }] });
  });
});

describe('generator checks', () => {
  it("calls a step disturbed when this process's own delays make up much of its p99", () => {
    const result = (p99: number, max: number, proxy?: { p99Ms: number; maxMs: number }) =>
      ({
        fleets: { s: { latency: { sendLateness: { p99, max } } }, o: { latency: {} } },
        ...(proxy ? { impairment: { broker: { lateness: { count: 400, p50Ms: 0.1, ...proxy } } } } : {}),
      }) as unknown as RunResult;
    // Measured against a throttled broker: a stalled worker (140 ms of a 239 ms p99), a stalled
    // proxy thread (252 ms at most, p99 149 ms), and a genuine overload (no delay over 10 ms of 111 ms).
    expect(disturbed(result(140_159, 151_935), 238_719)).toBe(
      "send lateness p99 140.16ms is 59% of the step's p99 238.72ms",
    );
    expect(disturbed(result(9519, 12_000, { p99Ms: 22.9, maxMs: 252.577 }), 149_247)).toBe(
      "impairment proxy broker lateness max 252.58ms is 169% of the step's p99 149.25ms",
    );
    expect(disturbed(result(6375, 10_351, { p99Ms: 3.7, maxMs: 10.373 }), 111_231)).toBeUndefined();
    expect(disturbed(result(6375, 10_351), undefined)).toBeUndefined();
    // A few ms late at light load is no stall, however small the p99 (measured: 5 ms of 14 ms).
    expect(disturbed(result(4990, 9000), 13_960)).toBeUndefined();
  });

  it('calls a busy thread or a busy process generator-bound', () => {
    expect(busyCpu({ processCores: 1.1, cores: 2, busiestThread: 0.97 })).toBe('a generator thread was 97% busy');
    expect(busyCpu({ processCores: 1.9, cores: 2, busiestThread: undefined })).toBe('generator CPU 1.90 of 2 cores');
    expect(busyCpu({ processCores: 0.5, cores: 2, busiestThread: 0.4 })).toBeUndefined();
  });
});

describe('--metrics-port', () => {
  it('takes a port or host:port, loopback by default', () => {
    expect(parseMetricsAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseMetricsAddress(':0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseMetricsAddress('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseMetricsAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(() => parseMetricsAddress('http')).toThrow(/--metrics-port: expected a port \(0 to 65535\) or host:port/);
    expect(() => parseMetricsAddress('70000')).toThrow(/got "70000"/);
  });
});
