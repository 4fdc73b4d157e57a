// Was fleetbench itself the bottleneck of a step? Two signs (docs/capacity.md#generator-bound):
// sends that fired late or were skipped (the send loop is open-model and never waits on the
// target, so lateness is this process's own delay), and a generator thread or the whole process
// busy near its limit. Either one makes the step's latency a measure of this machine.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { formatUs } from '../base/format.ts';
import { groupCodeKey, RUN_CODES } from '../metrics/codes.ts';
import { decodeHistogram } from '../metrics/histogram.ts';
import { HistogramKind, histogramKey } from '../metrics/names.ts';
import type { RunResult } from '../result/types.ts';

/** Skipped sends (generator_behind) above this share of the scheduled ones. */
export const SKIPPED_SHARE = 0.01;
/** More than LATE_SHARE of the sends fired over LATE_US behind their intended time. */
export const LATE_US = 100_000;
export const LATE_SHARE = 0.05;
/** A thread (a JS thread runs on one core) or the process (over the cores) busy at least this share. */
export const BUSY_SHARE = 0.9;

export interface CpuFigures {
  /** Process CPU over the step (all threads), in cores: 1.0 is one core busy throughout. */
  processCores: number;
  cores: number;
  /** The busiest thread's share of one core, over the samples it was seen in (Linux; undefined elsewhere). */
  busiestThread: number | undefined;
}

/** Late or skipped sends in the step's result, as a reason; undefined when the schedule held. */
export function lateSends(result: RunResult): string | undefined {
  const reasons: string[] = [];
  for (const [g, f] of Object.entries(result.fleets)) {
    const behind = result.codes[groupCodeKey(g, RUN_CODES.keys.dropped.generator_behind)] ?? 0;
    const scheduled = f.messages.sent + behind;
    if (scheduled === 0) continue;
    if (behind > SKIPPED_SHARE * scheduled) {
      reasons.push(`${g}: ${behind} of ${scheduled} scheduled sends skipped`);
      continue;
    }
    const encoded = result.histograms[histogramKey(g, HistogramKind.sendLateness)];
    if (encoded === undefined) continue;
    const h = decodeHistogram(encoded);
    const p = h.totalCount > 0 ? h.getValueAtPercentile(100 * (1 - LATE_SHARE)) : 0;
    h.destroy();
    if (p > LATE_US) reasons.push(`${g}: ${LATE_SHARE * 100}% of sends fired over ${formatUs(p)} late`);
  }
  const saturated = result.health?.find((c) => c.name === 'generator_saturated' && !c.passed);
  if (saturated && reasons.length === 0) reasons.push('generator_saturated');
  return reasons.length > 0 ? `late sends (${reasons.join('; ')})` : undefined;
}

/** A saturated CPU as a reason; undefined when there was headroom. */
export function busyCpu(cpu: CpuFigures): string | undefined {
  if (cpu.busiestThread !== undefined && cpu.busiestThread >= BUSY_SHARE)
    return `a generator thread was ${Math.round(cpu.busiestThread * 100)}% busy`;
  if (cpu.processCores >= BUSY_SHARE * cpu.cores)
    return `generator CPU ${cpu.processCores.toFixed(2)} of ${cpu.cores} cores`;
  return undefined;
}

/**
 * Samples this process's CPU while a step runs, four times a second: process.cpuUsage for the
 * total and, on Linux, /proc/self/task/<tid>/stat per thread (a worker thread's figures vanish
 * with it when the step's pool ends). The window is chosen afterwards, from the result's
 * timeline (the send phase): live progress comes once a second, too coarse for a 2 s step.
 */
export class CpuSampler {
  private readonly timer: NodeJS.Timeout;
  private readonly samples: { atMs: number; cpuUs: number; threads: Map<string, number> }[] = [];
  private readonly tick = 100; // USER_HZ: clock ticks per second in /proc stat fields, 100 on Linux

  constructor(intervalMs = 250) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  /** Stops sampling; the figures over [fromMs, toMs] (Date.now() times), or the whole span. */
  stop(window?: { fromMs: number; toMs: number }): CpuFigures {
    clearInterval(this.timer);
    this.sample();
    const cores = availableParallelism();
    const inside = window
      ? this.samples.filter((x) => x.atMs >= window.fromMs - 125 && x.atMs <= window.toMs + 125)
      : this.samples;
    const first = inside[0];
    const last = inside[inside.length - 1];
    if (!first || !last || last.atMs - first.atMs < 250) return { processCores: 0, cores, busiestThread: undefined };
    const processCores = (last.cpuUs - first.cpuUs) / 1000 / (last.atMs - first.atMs);
    let busiest: number | undefined;
    for (const [tid, from] of first.threads) {
      // The thread's last sample in the window: it may have ended before the window did.
      const end = [...inside].reverse().find((x) => x.threads.has(tid)) as (typeof inside)[number];
      const spanS = (end.atMs - first.atMs) / 1000;
      // At least half a second (±2% at 10 ms ticks): a thread seen briefly says too little.
      if (spanS < 0.5) continue;
      busiest = Math.max(busiest ?? 0, ((end.threads.get(tid) as number) - from) / this.tick / spanS);
    }
    return { processCores, cores, busiestThread: busiest };
  }

  private sample(): void {
    const u = process.cpuUsage();
    const threads = new Map<string, number>();
    if (process.platform === 'linux') {
      let tids: string[] = [];
      try {
        tids = readdirSync('/proc/self/task');
      } catch {
        // No /proc: the process total only.
      }
      for (const tid of tids) {
        try {
          const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
          // Fields after the parenthesised name (which may hold spaces): utime and stime are 14 and 15.
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          const ticks = Number(fields[11]) + Number(fields[12]);
          if (Number.isFinite(ticks)) threads.set(tid, ticks);
        } catch {
          // The thread ended between the listing and the read.
        }
      }
    }
    this.samples.push({ atMs: Date.now(), cpuUs: u.user + u.system, threads });
  }
}

/** The send phase of a result, on the Date.now() clock: its timeline's seconds in phase 'run'. */
export function sendWindow(result: RunResult): { fromMs: number; toMs: number } | undefined {
  const run = result.timeline.filter((p) => p.phase === 'run');
  const first = run[0];
  const last = run[run.length - 1];
  if (!first || !last) return undefined;
  const origin = Date.parse(result.run.startedAt);
  return { fromMs: origin + first.t * 1000, toMs: origin + (last.t + 1) * 1000 };
}

/**
 * Latency is measured from the intended send time, so a send the generator fired late carries its
 * lateness into the latency, and a chunk an impairment proxy (a thread of this process) sent late
 * carries its own. When the worst of those delays is a large share of the step's p99, the tail is
 * (largely) this machine's: measured against a throttled broker at 30% to 60% of its capacity, a
 * worker that did not run for 150 ms put a p99 of 239 ms on the step, and a proxy thread that
 * stalled 250 ms a p99 of 149 ms, while a genuine overload (7% over) gave 111 ms with no delay
 * over 10 ms (docs/capacity.md#disturbed-steps).
 */
export const DISTURBED_P99_SHARE = 0.25;
/** … or the longest single delay at least this share of the step's p99; … */
export const DISTURBED_MAX_SHARE = 0.5;
/** … and never a delay under this (µs): a few ms late is a loaded machine's normal, not a stall. */
export const DISTURBED_FLOOR_US = 20_000;

export function disturbed(result: RunResult, p99Us: number | undefined): string | undefined {
  if (p99Us === undefined || p99Us <= 0) return undefined;
  const delays: { what: string; p99Us: number; maxUs: number }[] = [];
  for (const f of Object.values(result.fleets)) {
    const l = f.latency.sendLateness;
    if (l) delays.push({ what: 'send lateness', p99Us: l.p99, maxUs: l.max });
  }
  for (const [target, i] of Object.entries(result.impairment ?? {}))
    delays.push({
      what: `impairment proxy ${target} lateness`,
      p99Us: i.lateness.p99Ms * 1000,
      maxUs: i.lateness.maxMs * 1000,
    });
  const pct = (us: number): number => Math.round((100 * us) / p99Us);
  for (const d of delays) {
    if (d.maxUs < DISTURBED_FLOOR_US) continue;
    if (d.p99Us >= DISTURBED_P99_SHARE * p99Us && d.p99Us >= DISTURBED_FLOOR_US)
      return `${d.what} p99 ${formatUs(d.p99Us)} is ${pct(d.p99Us)}% of the step's p99 ${formatUs(p99Us)}`;
    if (d.maxUs >= DISTURBED_MAX_SHARE * p99Us)
      return `${d.what} max ${formatUs(d.maxUs)} is ${pct(d.maxUs)}% of the step's p99 ${formatUs(p99Us)}`;
  }
  return undefined;
}
