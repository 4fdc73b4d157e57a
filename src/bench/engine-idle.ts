// Idle memory in `npm run bench -- engine`: fleetbench holding N connected idle devices (one
// subscription each, keepalive 60 s) beside N bare net.Socket clients to the same broker, each
// measured as the RSS of its whole process tree and, through the heap probe in every thread,
// heapUsed / external / arrayBuffers, while every device is connected. The largest case is
// split over two brokers (one broker process holds fewer connections than its fd limit); when
// the machine's hard fd limit is below that count for one process too, fleetbench runs as two
// processes, one per broker, idle at the same time, and the extra process's start-up RSS is taken off.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Profile } from './engine-cases.ts';
import type { PrivateBroker } from './engine-mosquitto.ts';
import { hardFileLimit, median, type TreeSample } from './engine-proc.ts';
import {
  type EngineRun,
  type FleetbenchCase,
  heapEnv,
  runFleetbench,
  runScript,
  type ScriptCase,
} from './engine-run.ts';
import { connectRate, idleWindow } from './engine-windows.ts';

export interface Heap {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface IdleFigure {
  devices: number;
  /** Median RSS of the tree while every device was connected, KiB. */
  rssKiB?: number;
  /** Bytes, summed over the threads, medians while every device was connected. */
  heap?: Heap;
  /** How the case ran, when not the plain way (the split case). */
  note?: string;
  /** RSS per device against a baseline of the same layout (the split case), KiB. */
  marginalKiB?: number;
  error?: string;
}

type Span = { fromMs: number; toMs: number };

/** Median of each heap field per thread within the window, summed over threads (bytes). */
export function heapOf(lines: readonly string[][], w: Span): Heap | undefined {
  const sum: Heap = { heapUsed: 0, external: 0, arrayBuffers: 0 };
  let threads = 0;
  for (const thread of lines) {
    const rows = thread
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Heap & { at: number })
      .filter((r) => r.at >= w.fromMs && r.at <= w.toMs);
    if (rows.length === 0) continue;
    threads++;
    for (const k of ['heapUsed', 'external', 'arrayBuffers'] as const) sum[k] += median(rows.map((r) => r[k])) ?? 0;
  }
  return threads > 0 ? sum : undefined;
}

function readHeap(dir: string, w: Span): Heap | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  return heapOf(
    files.map((f) => readFileSync(join(dir, f), 'utf8').split('\n')),
    w,
  );
}

const rssIn = (samples: readonly TreeSample[], w: Span): number | undefined =>
  median(samples.filter((s) => s.atMs >= w.fromMs && s.atMs <= w.toMs).map((s) => s.rssKiB));

function figureOf(run: EngineRun, devices: number, heapDir: string): IdleFigure {
  if (!run.line) return { devices, error: run.error };
  const w = idleWindow(run.line, devices);
  if (!w) {
    const peak = Object.values(run.result?.fleets ?? {}).reduce((n, f) => n + f.devices.peakConnected, 0);
    const e = run.result?.errors[0];
    const why = run.result ? ` (peak ${peak}${e ? `; ${e.count} × ${e.message}` : ''})` : '';
    return { devices, error: `never all ${devices} connected in the run phase${why}` };
  }
  return { devices, rssKiB: rssIn(run.measured.samples, w), heap: readHeap(heapDir, w) };
}

export function idleCase(
  p: Profile,
  targets: Record<string, string>,
  devices: number,
  devices2 = 0,
  durationS = p.idle.durationS,
): FleetbenchCase {
  return {
    scenario: 'idle-devices',
    knobs: {
      FB_BENCH_DEVICES: devices,
      FB_BENCH_DEVICES2: devices2 > 0 ? devices2 : undefined,
      FB_BENCH_CONNECT_RATE: `${p.idle.connectPerS}/s`,
      FB_BENCH_DURATION: `${durationS}s`,
    },
    workers: p.workers,
    targets,
    timeoutMs: ((devices + devices2) / p.idle.connectPerS + durationS + 90) * 1000,
  };
}

export function bareCase(p: Profile, broker: PrivateBroker, devices: number): ScriptCase {
  return {
    script: 'bare',
    port: broker.port,
    devices,
    durationMs: p.idle.durationS * 1000,
    connectPerS: p.idle.connectPerS,
    timeoutMs: (devices / p.idle.connectPerS + p.idle.durationS + 90) * 1000,
  };
}

async function withHeapDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fb-engine-heap-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function idleFleetbench(p: Profile, broker: PrivateBroker, devices: number): Promise<IdleFigure> {
  return withHeapDir(async (dir) => {
    const c = { ...idleCase(p, { mqtt: broker.url }, devices), extraEnv: heapEnv(dir) };
    return figureOf(await runFleetbench(c), devices, dir);
  });
}

export async function idleBare(p: Profile, broker: PrivateBroker, devices: number): Promise<IdleFigure> {
  return withHeapDir(async (dir) => {
    const run = await runScript({ ...bareCase(p, broker, devices), extraEnv: heapEnv(dir) });
    return figureOf(run, devices, dir);
  });
}

/**
 * The split case: `p.idle.split` devices, half on each broker (one broker process holds fewer
 * connections than its fd limit), in ONE `fleetbench run`, which spreads them over as many
 * generator processes as the open-file limit requires (runner/process-plan.ts). Its marginal RSS
 * per device is taken against the same layout holding one device per broker (same process
 * count), so the extra processes' start-up is not charged to the devices.
 */
export async function idleSplit(p: Profile, brokers: [PrivateBroker, PrivateBroker]): Promise<IdleFigure> {
  const total = p.idle.split;
  const half = Math.floor(total / 2);
  const [a, b] = brokers;
  const targets = { mqtt: a.url, mqtt2: b.url };
  const figure = await withHeapDir(async (dir) => {
    const run = await runFleetbench({ ...idleCase(p, targets, half, total - half), extraEnv: heapEnv(dir) });
    return { run, figure: figureOf(run, total, dir) };
  });
  const { run } = figure;
  if (figure.figure.error || !run.line) return figure.figure;
  const processes = run.result?.run.processes ?? 1;
  const base = await runFleetbench({ ...idleCase(p, targets, 1, 1), processes });
  const baseRss = base.line
    ? rssIn(base.measured.samples, idleWindow(base.line, 2) ?? { fromMs: 0, toMs: 0 })
    : undefined;
  const connect = connectRate(run.line, total);
  const rss = figure.figure.rssKiB;
  const marginalKiB = rss === undefined || baseRss === undefined ? undefined : (rss - baseRss) / (total - 2);
  return {
    ...figure.figure,
    ...(marginalKiB === undefined ? {} : { marginalKiB }),
    note: [
      `one run, ${processes} generator process(es) as fleetbench chose them (hard fd limit ${hardFileLimit() ?? 'unknown'})`,
      connect ? `all connected within ${connect.allWithinS} s (${Math.round(connect.perS)}/s, ${connect.how})` : '',
      baseRss === undefined
        ? 'no baseline'
        : `marginal against the same ${processes}-process layout holding 2 devices (${fmtMiB(baseRss)})`,
    ]
      .filter((x) => x !== '')
      .join('; '),
  };
}

const fmtMiB = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;

export interface IdleFigures {
  fleetbench: IdleFigure[];
  bare: IdleFigure[];
  split?: IdleFigure;
}

/** Each size with fleetbench then the bare sockets, then the split case. */
export async function idleAll(
  p: Profile,
  brokers: [PrivateBroker, PrivateBroker],
  log: (s: string) => void,
): Promise<IdleFigures> {
  const out: IdleFigures = { fleetbench: [], bare: [] };
  for (const n of p.idle.sizes) {
    log(`idle ${n} fleetbench`);
    out.fleetbench.push(await idleFleetbench(p, brokers[0], n));
    log(`idle ${n} bare sockets`);
    out.bare.push(await idleBare(p, brokers[0], n));
  }
  log(`idle ${p.idle.split} fleetbench over two brokers`);
  out.split = await idleSplit(p, brokers);
  return out;
}
