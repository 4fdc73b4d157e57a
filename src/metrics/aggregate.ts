// Main-thread aggregation of worker snapshots: totals per fleet, cumulative histograms (exact
// HDR addition of every interval histogram), and a per-interval timeline for the report.
import { addCounters, emptyCounters, type GroupCounters } from './counters.ts';
import { createHistogram, decodeHistogram, type Histogram } from './histogram.ts';
import { type ErrorCount, errorKey, type Phase, type Snapshot } from './recorder.ts';

export interface BucketLatency {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface TimelineBucket {
  /** Seconds since the run started (bucket start). */
  t: number;
  phase: Phase;
  counters: Record<string, GroupCounters>;
  /** Interval histograms while the bucket is open; summarised into `latency` when it closes. */
  histograms: Map<string, Histogram>;
  latency: Record<string, BucketLatency>;
}

/** Buckets this many intervals behind the newest are closed (a late snapshot is still merged). */
const OPEN_BUCKETS = 3;

export class Aggregator {
  readonly totals = new Map<string, GroupCounters>();
  readonly histograms = new Map<string, Histogram>();
  readonly errors = new Map<string, ErrorCount>();
  readonly codes = new Map<string, number>();
  readonly buckets = new Map<number, TimelineBucket>();
  /** Latest `connected` gauge per worker per fleet. */
  /** Devices connected now, by group, then by worker (each worker's latest snapshot). */
  private readonly gauges = new Map<string, Map<number, number>>();
  /** Peak of the summed `connected` gauge per fleet. */
  readonly peakConnected = new Map<string, number>();
  private newest = 0;

  constructor(
    private readonly originUs: number,
    private readonly intervalUs: number,
    /** The key a histogram has in the timeline's buckets (the run may merge kinds there that its totals keep apart). */
    private readonly bucketKey: (key: string) => string = (key) => key,
  ) {}

  add(s: Snapshot): TimelineBucket {
    const index = Math.max(0, Math.floor((s.atUs - this.originUs) / this.intervalUs));
    let bucket = this.buckets.get(index);
    if (!bucket) {
      bucket = { t: (index * this.intervalUs) / 1e6, phase: s.phase, counters: {}, histograms: new Map(), latency: {} };
      this.buckets.set(index, bucket);
    }
    if (rankPhase(s.phase) > rankPhase(bucket.phase)) bucket.phase = s.phase;
    for (const [group, c] of Object.entries(s.counters)) {
      let byWorker = this.gauges.get(group);
      if (!byWorker) {
        byWorker = new Map();
        this.gauges.set(group, byWorker);
      }
      byWorker.set(s.worker, c.connected);
      const delta = { ...c, connected: 0 };
      addCounters(this.total(group), delta);
      let counters = bucket.counters[group];
      if (!counters) {
        counters = emptyCounters();
        bucket.counters[group] = counters;
      }
      addCounters(counters, delta);
    }
    for (const group of Object.keys(s.counters)) {
      const now = this.connected(group);
      (bucket.counters[group] as GroupCounters).connected = now;
      this.total(group).connected = now;
      if (now > (this.peakConnected.get(group) ?? 0)) this.peakConnected.set(group, now);
    }
    for (const [key, encoded] of Object.entries(s.histograms)) {
      const h = decodeHistogram(encoded);
      this.histogram(this.histograms, key).add(h);
      this.histogram(bucket.histograms, this.bucketKey(key)).add(h);
      h.destroy();
    }
    for (const e of s.errors) {
      const key = errorKey(e.group, e.code);
      const seen = this.errors.get(key);
      if (seen) seen.count += e.count;
      else this.errors.set(key, { ...e });
    }
    for (const [key, n] of Object.entries(s.codes)) this.codes.set(key, (this.codes.get(key) ?? 0) + n);
    if (index > this.newest) this.newest = index;
    for (const [i, b] of this.buckets) if (i <= this.newest - OPEN_BUCKETS) closeBucket(b);
    return bucket;
  }

  /** Summarises every open bucket; call once all snapshots are in. */
  closeAll(): void {
    for (const b of this.buckets.values()) closeBucket(b);
  }

  /** Devices connected right now in a fleet, summed over workers. */
  connected(group: string): number {
    let n = 0;
    for (const v of this.gauges.get(group)?.values() ?? []) n += v;
    return n;
  }

  total(group: string): GroupCounters {
    let c = this.totals.get(group);
    if (!c) {
      c = emptyCounters();
      this.totals.set(group, c);
    }
    return c;
  }

  private histogram(map: Map<string, Histogram>, key: string): Histogram {
    let h = map.get(key);
    if (!h) {
      h = createHistogram();
      map.set(key, h);
    }
    return h;
  }
}

/** Interval histograms are large (tens of KiB each); keep only their percentiles once closed. */
function closeBucket(b: TimelineBucket): void {
  for (const [key, h] of b.histograms) {
    b.latency[key] = {
      count: h.totalCount,
      p50: h.getValueAtPercentile(50),
      p99: h.getValueAtPercentile(99),
      max: h.maxValue,
    };
    h.destroy();
  }
  b.histograms.clear();
}

function rankPhase(p: Phase): number {
  return p === 'connect' ? 0 : p === 'run' ? 1 : p === 'drain' ? 2 : 3;
}
