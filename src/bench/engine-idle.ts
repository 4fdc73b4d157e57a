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
  fleetbenchOutcome,
  fleetbenchSpawn,
  heapEnv,
  runFleetbench,
  runScript,
  type ScriptCase,
} from './engine-run.ts';
import { runMeasured } from './engine-spawn.ts';
import { idleWindow } from './engine-windows.ts';

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

/** Seconds a fleetbench process may take to load and start its workers on a busy machine. */
const STARTUP_S = 8;

/** File descriptors a process needs beyond one per device (Node, workers, the result files). */
const FD_SLACK = 2000;

/** Whether one fleetbench process may hold `devices` sockets under the hard fd limit. */
export const fitsOneProcess = (devices: number, limit = hardFileLimit()): boolean =>
  limit === undefined || devices + FD_SLACK <= limit;

/**
 * The split case: `p.idle.split` devices, half on each broker. `startupRssKiB` is the RSS of a
 * 1-device run, taken off when two processes had to be used.
 */
export async function idleSplit(
  p: Profile,
  brokers: [PrivateBroker, PrivateBroker],
  startupRssKiB: number | undefined,
): Promise<IdleFigure> {
  const total = p.idle.split;
  const half = Math.floor(total / 2);
  const [a, b] = brokers;
  if (fitsOneProcess(total)) {
    const figure = await withHeapDir(async (dir) => {
      const c = { ...idleCase(p, { mqtt: a.url, mqtt2: b.url }, half, total - half), extraEnv: heapEnv(dir) };
      return figureOf(await runFleetbench(c), total, dir);
    });
    return { ...figure, note: 'one process, two fleets, one per broker' };
  }
  const dirs = [mkdtempSync(join(tmpdir(), 'fb-engine-out-')), mkdtempSync(join(tmpdir(), 'fb-engine-out-'))];
  try {
    // Staggered, so the two do not start and connect at once on a busy machine: the second starts
    // once the first should be connected, and the first stays idle until the second is done.
    const connectS = half / p.idle.connectPerS;
    const firstDurationS = Math.ceil(p.idle.durationS + STARTUP_S + connectS + STARTUP_S / 2);
    const first = runMeasured(
      fleetbenchSpawn(idleCase(p, { mqtt: a.url }, half, 0, firstDurationS), dirs[0] as string),
    );
    await new Promise((r) => setTimeout(r, (STARTUP_S / 2 + connectS) * 1000));
    const second = runMeasured(fleetbenchSpawn(idleCase(p, { mqtt: b.url }, total - half), dirs[1] as string));
    const [ma, mb] = await Promise.all([first, second]);
    const ra = fleetbenchOutcome(ma, dirs[0] as string);
    const rb = fleetbenchOutcome(mb, dirs[1] as string);
    if (!ra.line || !rb.line) return { devices: total, error: ra.error ?? rb.error };
    const wa = idleWindow(ra.line, half);
    const wb = idleWindow(rb.line, total - half);
    if (!wa || !wb) {
      const peak = [ra, rb].map((r) => Object.values(r.result?.fleets ?? {})[0]?.devices.peakConnected ?? 0);
      const firstError = [ra, rb].flatMap((r) => r.result?.errors ?? [])[0];
      return {
        devices: total,
        error: `not every device connected in both processes (peak ${peak.join(' + ')} of ${half} + ${total - half}${firstError ? `; ${firstError.count} × ${firstError.message}` : ''})`,
      };
    }
    const w = { fromMs: Math.max(wa.fromMs, wb.fromMs), toMs: Math.min(wa.toMs, wb.toMs) };
    const both = [rssIn(ma.samples, w), rssIn(mb.samples, w)];
    if (w.toMs <= w.fromMs || both.some((x) => x === undefined) || startupRssKiB === undefined)
      return { devices: total, error: 'the two processes were never idle at the same time' };
    const sum = (both[0] as number) + (both[1] as number);
    return {
      devices: total,
      rssKiB: sum - startupRssKiB,
      note: `two processes (hard fd limit ${hardFileLimit()}): ${fmtMiB(sum)} summed, less one start-up RSS (${fmtMiB(startupRssKiB)})`,
    };
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
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
  startupRssKiB: number | undefined,
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
  out.split = await idleSplit(p, brokers, startupRssKiB);
  return out;
}
