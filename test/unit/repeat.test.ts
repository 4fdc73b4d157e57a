// `run --repeat`: each run's figures, their lower median and range, and the base run chosen as
// the one with the median main latency.
import { describe, expect, it } from 'vitest';
import { summarizeRuns } from '../../src/result/repeat.ts';
import { resultShape } from '../../src/result/schema.ts';
import { check } from '../../src/result/shape.ts';
import { delivery, fleet, result, times } from '../helpers/results.ts';

function runWith(id: string, e2eUs: number, sentPerS: number) {
  const r = result({
    fleets: { gps: fleet({ sentPerS }), backend: fleet({ kind: 'observer', receivedPerS: sentPerS }) },
    delivery: [delivery('gps', 'backend', 100, 0)],
    latencies: { 'gps>backend|e2e': times(100, e2eUs), 'gps|ack': times(100, 100) },
  });
  r.run.id = id;
  return r;
}

describe('summarizeRuns', () => {
  it('records every figure per run in run order, with its lower median, min and max', () => {
    const runs = [runWith('a', 1900, 100), runWith('b', 1500, 98), runWith('c', 1700, 101), runWith('d', 1600, 99)];
    const { summary, base } = summarizeRuns(runs);
    expect(summary.runs).toBe(4);
    expect(summary.runIds).toEqual(['a', 'b', 'c', 'd']);
    // Below 2048 µs every value is exact.
    expect(summary.metrics['gps.e2e.p99']).toEqual({
      median: 1600,
      min: 1500,
      max: 1900,
      values: [1900, 1500, 1700, 1600],
    });
    expect(summary.metrics['gps.ack.p50']?.values).toEqual([100, 100, 100, 100]);
    expect(summary.metrics['gps.throughput']).toEqual({ median: 99, min: 98, max: 101, values: [100, 98, 101, 99] });
    // Observers never send: no throughput; what they receive is recorded.
    expect(summary.metrics['backend.throughput']).toBeUndefined();
    expect(summary.metrics['backend.received']?.median).toBe(99);
    // The base is the run whose first p99 is the median: d.
    expect(base).toBe(3);
    expect(summary.base).toBe('d');
  });

  it('produces a block the result schema accepts', () => {
    const runs = [runWith('a', 1000, 10), runWith('b', 1200, 10)];
    const r = { ...runs[0], repeat: summarizeRuns(runs).summary };
    expect(check(resultShape, JSON.parse(JSON.stringify(r)))).toEqual([]);
  });
});
