// Pure arithmetic of `npm run bench -- engine` over one run's per-second timeline: the steady
// window of the send phase, CPU seconds per 100k messages in it, the window where every device
// was connected and idle, the connect rate achieved, per-second p99s, and the `unread` figure
// of a result when it has one. A fleetbench result and a baseline script's output are first
// brought to the same shape (RunLine).
import type { RunResult } from '../result/types.ts';
import { cpuAt, type TreeSample } from './engine-proc.ts';

export interface LinePoint {
  /** Seconds from the start; the bucket's counts belong to the second after it. */
  t: number;
  phase: string;
  sent: number;
  acked: number;
  connected: number;
  /** p99 (µs) per histogram key, when the engine reports them. */
  p99?: Record<string, number>;
}

export interface RunLine {
  startedAtMs: number;
  /** Where the scenario's warm-up window ends (seconds on the timeline), when it has one. */
  warmupToS?: number;
  points: LinePoint[];
}

/** A fleetbench result's timeline with every fleet's counts summed. */
export function lineOfResult(result: RunResult): RunLine {
  return {
    startedAtMs: Date.parse(result.run.startedAt),
    ...(result.warmup && !result.warmup.included ? { warmupToS: result.warmup.toS } : {}),
    points: result.timeline.map((p) => {
      const fleets = Object.values(p.fleets);
      const sum = (k: 'sent' | 'acked' | 'connected'): number => fleets.reduce((n, f) => n + f[k], 0);
      return {
        t: p.t,
        phase: p.phase,
        sent: sum('sent'),
        acked: sum('acked'),
        connected: sum('connected'),
        p99: Object.fromEntries(Object.entries(p.latency).map(([k, v]) => [k, v.p99])),
      };
    }),
  };
}

/** A baseline script's output (engine-wire.js `timeline().write`). */
export function lineOfScript(out: { startedAtMs: number; timeline: LinePoint[] }): RunLine {
  return { startedAtMs: out.startedAtMs, points: [...out.timeline].sort((a, b) => a.t - b.t) };
}

export interface Window {
  fromMs: number;
  toMs: number;
  /** Messages sent in the window. */
  messages: number;
}

/**
 * The send phase without its first and last second (connect and drain spill into those): the
 * interior 'run' buckets, and the wall-clock span they cover. Undefined when fewer than two
 * interior seconds remain.
 */
export function steadyWindow(line: RunLine): Window | undefined {
  const run = line.points.filter((p) => p.phase === 'run').slice(1, -1);
  if (run.length < 2) return undefined;
  const first = run[0] as LinePoint;
  const last = run[run.length - 1] as LinePoint;
  return {
    fromMs: line.startedAtMs + first.t * 1000,
    toMs: line.startedAtMs + (last.t + 1) * 1000,
    messages: run.reduce((n, p) => n + p.sent, 0),
  };
}

/** CPU seconds the tree used in the window, per 100,000 messages sent in it. */
export function cpuPer100k(samples: readonly TreeSample[], w: Window): number | undefined {
  const from = cpuAt(samples, w.fromMs);
  const to = cpuAt(samples, w.toMs);
  if (from === undefined || to === undefined || w.messages <= 0) return undefined;
  return ((to - from) / w.messages) * 100_000;
}

/** The seconds of the run phase in which all `devices` were connected (the idle window). */
export function idleWindow(line: RunLine, devices: number): { fromMs: number; toMs: number } | undefined {
  const full = line.points.filter((p) => p.phase === 'run' && p.connected >= devices);
  if (full.length === 0) return undefined;
  return {
    fromMs: line.startedAtMs + (full[0] as LinePoint).t * 1000,
    toMs: line.startedAtMs + ((full[full.length - 1] as LinePoint).t + 1) * 1000,
  };
}

export interface ConnectRate {
  /** Connections per second while connecting. */
  perS: number;
  /** How it was found: the slope between seconds with some but not all connected, or a lower bound. */
  how: 'slope' | 'bound';
  /** Seconds from the first second in the timeline to the end of the first with all connected. */
  allWithinS: number;
}

/**
 * The connect rate achieved, from the per-second `connected` counts: the slope between the
 * first and last seconds with some but not all devices connected (two or more of them), else
 * all devices over the seconds from the first reported to the first with all connected (a lower
 * bound: the timeline is per second, and its first second may include the workers' start-up).
 */
export function connectRate(line: RunLine, devices: number): ConnectRate | undefined {
  const all = line.points.find((p) => p.connected >= devices);
  // The earliest second reported at all: a starved worker's first report may come late.
  const first = line.points[0];
  if (!all || !first || devices <= 0) return undefined;
  const allWithinS = all.t - first.t + 1;
  const partial = line.points.filter((p) => p.connected > 0 && p.connected < devices && p.t < all.t);
  if (partial.length >= 2) {
    const a = partial[0] as LinePoint;
    const b = partial[partial.length - 1] as LinePoint;
    return { perS: (b.connected - a.connected) / (b.t - a.t), how: 'slope', allWithinS };
  }
  return { perS: devices / allWithinS, how: 'bound', allWithinS };
}

/** The p99 (µs) of the first `n` seconds of the send phase (after its warm-up) for the first histogram key matching `key`. */
export function firstSecondsP99(line: RunLine, key: RegExp, n: number): { key: string; p99: number[] } | undefined {
  // After the warm-up window: its seconds are kept out of the headline figures.
  const from = line.warmupToS ?? Number.NEGATIVE_INFINITY;
  const run = line.points.filter((p) => (p.phase === 'run' || p.phase === 'drain') && p.t >= from).slice(0, n);
  const name = run.flatMap((p) => Object.keys(p.p99 ?? {})).find((k) => key.test(k));
  if (name === undefined) return undefined;
  return { key: name, p99: run.map((p) => p.p99?.[name]).filter((v): v is number => v !== undefined) };
}

/**
 * Messages written but not shown read by the peer at close, if the result reports them: a
 * number or `{ messages }` under a key named `unread` anywhere in a fleet's block, summed over
 * fleets, else at the top of the result. Undefined when there is none (results from before the
 * field existed).
 */
export function unreadOf(result: RunResult): number | undefined {
  let total: number | undefined;
  const visit = (node: unknown, depth: number): void => {
    if (depth > 4 || node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === 'unread') {
        const n = typeof v === 'number' ? v : (v as { messages?: unknown } | null)?.messages;
        if (typeof n === 'number') total = (total ?? 0) + n;
      } else visit(v, depth + 1);
    }
  };
  for (const f of Object.values(result.fleets)) visit(f, 0);
  // Or one run-wide figure beside the fleets.
  const top = (result as unknown as Record<string, unknown>).unread;
  if (total === undefined && top !== undefined) visit({ unread: top }, 0);
  return total;
}

/**
 * The broker's own rate over a window: the slope between its first published value inside the
 * window and its last (a broker publishes its counter every sys_interval, so the window should
 * span several). Undefined with fewer than two values inside.
 */
export function brokerRate(
  series: readonly { atMs: number; value: number }[],
  w: { fromMs: number; toMs: number },
): number | undefined {
  const inside = series.filter((s) => s.atMs >= w.fromMs && s.atMs <= w.toMs);
  const a = inside[0];
  const b = inside[inside.length - 1];
  if (!a || !b || b.atMs <= a.atMs) return undefined;
  return ((b.value - a.value) * 1000) / (b.atMs - a.atMs);
}
