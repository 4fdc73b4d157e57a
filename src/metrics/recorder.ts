// The per-worker recorder: counters, interval histograms, errors and protocol codes. Every
// `snapshot()` encodes what accumulated since the last one and resets it, so the main thread
// receives one message per worker per interval and rebuilds totals by exact HDR addition.

import { nowUs } from './clock.ts';
import { type CodeKey, groupCodeKey, RUN_CODES } from './codes.ts';
import { emptyCounters, type GroupCounters } from './counters.ts';
import { createHistogram, encodeHistogram, type Histogram, recordUs } from './histogram.ts';
import { histogramKey } from './names.ts';

export interface ErrorCount {
  group: string;
  code: string;
  count: number;
  /** The first message seen for this code: what a human needs to fix it. */
  message: string;
}

export type Phase = 'connect' | 'run' | 'drain' | 'done';

export interface Snapshot {
  worker: number;
  seq: number;
  atUs: number;
  phase: Phase;
  /** Per fleet; deltas since the previous snapshot, except `connected` (a gauge). */
  counters: Record<string, GroupCounters>;
  /** Interval histograms, compressed base64, keyed 'fleet|kind' or 'from>to|kind'. */
  histograms: Record<string, string>;
  errors: ErrorCount[];
  /** Protocol codes seen, keyed 'fleet|packet|code' (e.g. 'temp|puback|16'). */
  codes: Record<string, number>;
}

export class Recorder {
  private readonly counters = new Map<string, GroupCounters>();
  private readonly connected = new Map<string, number>();
  private readonly histograms = new Map<string, Histogram>();
  private errors = new Map<string, ErrorCount>();
  private codes = new Map<string, number>();
  private seq = 0;

  constructor(private readonly worker: number) {}

  /** The live delta counters of a fleet; callers may keep the object and increment fields directly. */
  of(group: string): GroupCounters {
    let c = this.counters.get(group);
    if (!c) {
      c = emptyCounters();
      this.counters.set(group, c);
    }
    return c;
  }

  setConnected(group: string, delta: number): void {
    this.connected.set(group, (this.connected.get(group) ?? 0) + delta);
  }

  /** The interval histogram of `owner`'s `kind`, kept for the recorder's life (reset by each snapshot): a hot path may hold it. */
  histogram(owner: string, kind: string): Histogram {
    const key = histogramKey(owner, kind);
    let h = this.histograms.get(key);
    if (!h) {
      h = createHistogram();
      this.histograms.set(key, h);
    }
    return h;
  }

  record(owner: string, kind: string, us: number): void {
    if (!recordUs(this.histogram(owner, kind), us))
      this.error(
        owner.split('>').pop() as string,
        'metrics.invalid_latency',
        `a non-finite ${kind} latency was measured (${us}); please report this`,
      );
  }

  error(group: string, code: string, message: string): void {
    const key = errorKey(group, code);
    const e = this.errors.get(key);
    if (e) e.count++;
    else this.errors.set(key, { group, code, count: 1, message });
    this.of(group).errors++;
  }

  code(group: string, code: CodeKey, count = 1): void {
    const key = groupCodeKey(group, code);
    this.codes.set(key, (this.codes.get(key) ?? 0) + count);
  }

  snapshot(phase: Phase): Snapshot {
    const counters: Record<string, GroupCounters> = {};
    const groups = new Set([...this.counters.keys(), ...this.connected.keys()]);
    for (const group of groups) {
      const c = this.of(group);
      counters[group] = { ...c, connected: this.connected.get(group) ?? 0 };
      // Zeroed in place: hot paths hold on to the object returned by of().
      Object.assign(c, emptyCounters());
    }
    const histograms: Record<string, string> = {};
    for (const [key, h] of this.histograms) {
      if (h.totalCount > 0) histograms[key] = encodeHistogram(h);
      h.reset();
    }
    const snapshot: Snapshot = {
      worker: this.worker,
      seq: this.seq++,
      atUs: nowUs(),
      phase,
      counters,
      histograms,
      errors: [...this.errors.values()],
      codes: Object.fromEntries(this.codes),
    };
    this.errors = new Map();
    this.codes = new Map();
    return snapshot;
  }
}

/** Running totals of what a group put on and took off the wire. */
export interface WireTotals {
  sent: number;
  received: number;
  datagramsSent: number;
  datagramsReceived: number;
}

export function emptyWireTotals(): WireTotals {
  return { sent: 0, received: 0, datagramsSent: 0, datagramsReceived: 0 };
}

/**
 * Drivers count bytes (and datagrams) as running totals; snapshots carry deltas. Bytes go in the
 * counters; datagrams travel as the run's datagram codes, present only for datagram protocols.
 */
export class WireDeltas {
  private readonly last = new Map<string, WireTotals>();

  add(s: Snapshot, group: string, now: WireTotals): void {
    const prev = this.last.get(group) ?? emptyWireTotals();
    let c = s.counters[group];
    if (!c) {
      c = emptyCounters();
      s.counters[group] = c;
    }
    c.bytesSent += now.sent - prev.sent;
    c.bytesReceived += now.received - prev.received;
    const count = (code: CodeKey, n: number): void => {
      const key = groupCodeKey(group, code);
      if (n > 0) s.codes[key] = (s.codes[key] ?? 0) + n;
    };
    count(RUN_CODES.keys.datagram.sent, now.datagramsSent - prev.datagramsSent);
    count(RUN_CODES.keys.datagram.received, now.datagramsReceived - prev.datagramsReceived);
    this.last.set(group, { ...now });
  }
}

/** An error count's key: one per (group, code), in a worker's recorder and in the aggregator. */
export function errorKey(group: string, code: string): string {
  return `${group}|${code}`;
}
