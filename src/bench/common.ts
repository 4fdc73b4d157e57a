// What the bench modules share: scenario paths, repeats, environment overrides for one run,
// medians, and number formats for the Markdown table that `npm run bench` prints.
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { DeliveryResult, FleetResult, RunResult } from '../result/types.ts';

/** One row of the printed table: measurement, result, notes. */
export type Row = [string, string, string];

/** The generator shares the cores with the peer, so single runs vary: report median and range. */
export const REPEATS = 3;

export const RABBITMQ_URL = 'amqp://guest:guest@127.0.0.1:5672';
export const MOSQUITTO_URL = 'mqtt://127.0.0.1:1883';

export const scenario = (name: string): string =>
  fileURLToPath(new URL(`../../scenarios/bench/${name}.ts`, import.meta.url));

/**
 * Runs `fn` with these FB_BENCH_* variables set, then puts them back: the scenarios read them
 * when they load, and worker threads copy the environment when they start. Others (e.g.
 * FB_BENCH_DURATION for a quick trial) pass through.
 */
export async function withEnv<T>(vars: Record<string, string | number>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.keys(vars).map((k) => [k, process.env[k]] as const);
  for (const [k, v] of Object.entries(vars)) process.env[k] = String(v);
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** The run whose `key` is the median of the runs, and the range of `key`. */
export function medianOf<T>(runs: T[], key: (r: T) => number): { median: T; min: number; max: number } {
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  const median = sorted[Math.floor(sorted.length / 2)];
  if (median === undefined) throw new Error('medianOf: no runs');
  return { median, min: key(sorted[0] as T), max: key(sorted[sorted.length - 1] as T) };
}

/** The result of the fleet `name`; a bench scenario without it is a bug in the bench, so say which fleet. */
export function fleetOf(result: RunResult, name: string): FleetResult {
  const fleet = result.fleets[name];
  if (!fleet) throw new Error(`no fleet '${name}' in the result (fleets: ${Object.keys(result.fleets).join(', ')})`);
  return fleet;
}

/** The first delivery pair from `from` (to `to`, if given); missing, it is a bug in the bench scenario. */
export function deliveryOf(result: RunResult, from: string, to?: string): DeliveryResult {
  const pair = result.delivery.find((x) => x.from === from && (to === undefined || x.to === to));
  if (!pair) throw new Error(`no delivery from '${from}'${to === undefined ? '' : ` to '${to}'`} in the result`);
  return pair;
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en');

/** Microseconds for reading: '1.36 ms', '54.2 ms', '2.03 s'. */
export const ms = (us: number): string =>
  us >= 1e6 ? `${(us / 1e6).toFixed(2)} s` : `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;

export const pct = (part: number, whole: number): string => `${((part * 100) / Math.max(1, whole)).toFixed(2)}%`;

/** The 1-minute load average before a measurement: above ~2 on this 2-core machine, something else was running. */
export const load = (): string => (loadavg()[0] ?? 0).toFixed(2);
