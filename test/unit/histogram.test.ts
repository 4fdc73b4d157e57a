// HDR latency histograms in microseconds: what workers ship (compressed base64) must merge into
// exactly the histogram of all values, and out-of-range values must never break a run.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/dsl/schedule.ts';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  HISTOGRAM_HIGHEST_US,
  type Histogram,
  mergeEncoded,
  recordUs,
  summarize,
} from '../../src/metrics/histogram.ts';

/** Latency-like values from 50 µs to ~5 s, heavy-tailed, reproducible. */
function latencies(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => 50 * Math.exp(random() * 11.5));
}

function histogramOf(values: readonly number[]): Histogram {
  const h = createHistogram();
  for (const v of values) recordUs(h, v);
  return h;
}

function percentiles(h: Histogram): number[] {
  return [50, 90, 99, 99.9].map((p) => h.getValueAtPercentile(p));
}

/**
 * Same count, min, percentiles and max bucket. A live histogram keeps the exact max it saw while a
 * decoded one reports the top of that value's bucket (HDR library behaviour, at most 0.1% higher),
 * which is what the live histogram reports as p100.
 */
function expectSameHistogram(merged: Histogram, single: Histogram): void {
  expect(merged.totalCount).toBe(single.totalCount);
  expect(merged.minNonZeroValue).toBe(single.minNonZeroValue);
  expect(merged.maxValue).toBe(single.getValueAtPercentile(100));
  expect(merged.maxValue - single.maxValue).toBeLessThanOrEqual(single.maxValue / 1000);
  expect(percentiles(merged)).toEqual(percentiles(single));
  expect(merged.mean).toBeCloseTo(single.mean, 6);
  expect(merged.stdDeviation).toBeCloseTo(single.stdDeviation, 6);
}

describe('merging worker histograms', () => {
  it.each([1, 2, 4, 7])('%d workers merge into the histogram of all values', (workers) => {
    const values = latencies(20_000, 11);
    const shards = Array.from({ length: workers }, () => createHistogram());
    values.forEach((v, i) => {
      recordUs(shards[i % workers] as Histogram, v);
    });
    const merged = mergeEncoded(shards.map(encodeHistogram));
    const single = histogramOf(values);

    expect(merged.totalCount).toBe(20_000);
    expectSameHistogram(merged, single);
    // Shipping the merged result again changes nothing: merging is exact, not approximate.
    expect(summarize(mergeEncoded([encodeHistogram(merged)]))).toEqual(summarize(merged));
  });

  it('merges shards holding different ranges (fast workers and slow workers)', () => {
    const fast = latencies(5000, 1).map((v) => v / 100);
    const slow = latencies(5000, 2).map((v) => v * 100);
    const merged = mergeEncoded([encodeHistogram(histogramOf(fast)), encodeHistogram(histogramOf(slow))]);
    expectSameHistogram(merged, histogramOf([...fast, ...slow]));
  });

  it('merges empty shards as nothing', () => {
    const values = latencies(1000, 3);
    const merged = mergeEncoded([
      encodeHistogram(createHistogram()),
      encodeHistogram(histogramOf(values)),
      encodeHistogram(createHistogram()),
    ]);
    expectSameHistogram(merged, histogramOf(values));
    expect(mergeEncoded([]).totalCount).toBe(0);
  });

  it('survives an encode/decode round trip unchanged', () => {
    const h = histogramOf(latencies(3000, 4));
    expectSameHistogram(decodeHistogram(encodeHistogram(h)), h);
  });
});

describe('recordUs', () => {
  it('keeps microseconds: 1500 µs reads back as p50 ≈ 1500 within 3 significant digits', () => {
    const h = histogramOf([1500, 1500, 1500]);
    const s = summarize(h);
    expect(Math.abs(s.p50 - 1500)).toBeLessThanOrEqual(1.5);
    expect(Math.abs(s.max - 1500)).toBeLessThanOrEqual(1.5);
    expect(s.count).toBe(3);
  });

  it('holds 0.1% precision across the range, from 1 µs to an hour', () => {
    for (const us of [1, 17, 999, 12_345, 1_234_567, 987_654_321, HISTOGRAM_HIGHEST_US]) {
      const p50 = histogramOf([us]).getValueAtPercentile(50);
      expect(Math.abs(p50 - us) / us).toBeLessThanOrEqual(0.001);
    }
  });

  it('clamps values below 1 µs up to 1 µs without throwing', () => {
    const h = createHistogram();
    expect(() => {
      recordUs(h, 0);
      recordUs(h, -250);
      recordUs(h, 0.2);
    }).not.toThrow();
    expect(h.totalCount).toBe(3);
    expect(h.minNonZeroValue).toBe(1);
    expect(h.maxValue).toBe(1);
  });

  it('clamps values above the highest trackable value (1 h) without throwing', () => {
    const h = createHistogram();
    let recorded: boolean[] = [];
    expect(() => {
      recorded = [recordUs(h, HISTOGRAM_HIGHEST_US * 10), recordUs(h, Infinity), recordUs(h, 100)];
    }).not.toThrow();
    // A finite outlier is clamped; a non-finite value is refused (the caller counts it as an error).
    expect(recorded).toEqual([true, false, true]);
    const s = summarize(h);
    expect(s.count).toBe(2);
    expect(Math.abs(s.max - HISTOGRAM_HIGHEST_US) / HISTOGRAM_HIGHEST_US).toBeLessThanOrEqual(0.001);
    expect(s.min).toBe(100);
  });

  it('does not let a NaN latency break the summary of the valid ones', () => {
    const h = histogramOf([100, 100, 100]);
    recordUs(h, NaN);
    let s: ReturnType<typeof summarize> | undefined;
    expect(() => (s = summarize(h))).not.toThrow();
    expect(s?.p50).toBe(100);
  });
});

describe('summarize', () => {
  it('returns zeros for an empty histogram', () => {
    expect(summarize(createHistogram())).toEqual({
      count: 0,
      min: 0,
      mean: 0,
      p50: 0,
      p90: 0,
      p99: 0,
      p999: 0,
      max: 0,
      stddev: 0,
    });
  });

  it('reports count, min, max, mean and ordered percentiles', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i + 1) * 10);
    const s = summarize(histogramOf(values));
    expect(s.count).toBe(1000);
    expect(s.min).toBe(10);
    expect(Math.abs(s.max - 10_000)).toBeLessThanOrEqual(10);
    expect(Math.abs(s.mean - 5005)).toBeLessThanOrEqual(5);
    expect(Math.abs(s.p50 - 5000)).toBeLessThanOrEqual(5);
    expect(Math.abs(s.p90 - 9000)).toBeLessThanOrEqual(9);
    expect(Math.abs(s.p99 - 9900)).toBeLessThanOrEqual(10);
    expect(s.p50).toBeLessThanOrEqual(s.p90);
    expect(s.p90).toBeLessThanOrEqual(s.p99);
    expect(s.p99).toBeLessThanOrEqual(s.p999);
    expect(s.p999).toBeLessThanOrEqual(s.max);
  });
});
