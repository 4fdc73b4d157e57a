// How `npm run bench -- engine` starts each engine: fleetbench through its CLI (`fleetbench run
// <scenario> -q --workers n -t … --out-exact <dir>`, read back from results.json only, so any
// driver behind the CLI is measured alike), and the baseline scripts with FB_ENGINE_* settings.
// Every child runs under engine-spawn.ts's sampler and time limit.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../result/types.ts';
import { scenario } from './common.ts';
import { type Measured, runMeasured, type SpawnCase } from './engine-spawn.ts';
import { lineOfResult, lineOfScript, type RunLine } from './engine-windows.ts';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
// From src/bench or dist/bench alike: the package root. The plain .js/.cjs scripts are not
// compiled into dist/, so they are always run from src/.
export const ROOT = here('../..');
const fromRoot = (file: string): string => join(ROOT, file);
export const FLEETBENCH_BIN = fromRoot('src/bin/fleetbench.js');
export const HEAP_PROBE = fromRoot('src/bench/engine-heap-probe.cjs');
export const SCRIPTS = {
  raw: fromRoot('src/bench/engine-raw-publisher.js'),
  mqttjs: fromRoot('src/bench/engine-mqttjs-publisher.js'),
  bare: fromRoot('src/bench/engine-bare-sockets.js'),
} as const;

export interface EngineRun {
  measured: Measured;
  line?: RunLine;
  result?: RunResult;
  /** Why there is no line: the child failed, timed out, or wrote nothing. */
  error?: string;
}

type Env = Record<string, string | number | undefined>;

/** NODE_OPTIONS that load the heap probe into every thread, writing to `dir`. */
export function heapEnv(dir: string): Env {
  const others = process.env.NODE_OPTIONS ?? '';
  return { NODE_OPTIONS: `${others} --require ${HEAP_PROBE}`.trim(), FB_ENGINE_HEAP_DIR: dir };
}

function failure(m: Measured, what: string): string {
  if (m.timedOut) return `${what} timed out`;
  const last = m.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300);
  return `${what} exited ${m.code}${last ? `: ${last}` : ''}`;
}

export interface FleetbenchCase {
  scenario: 'qos0-max' | 'idle-devices';
  /** FB_BENCH_* knobs of the scenario. */
  knobs: Env;
  workers: number;
  /** Target name → URL (mqtt, mqtt2). */
  targets: Record<string, string>;
  timeoutMs: number;
  extraEnv?: Env;
  /** `--processes`: generator processes (fleetbench chooses by the open-file limit without it). */
  processes?: number;
}

/** The command line of a fleetbench case, for the printed table. */
export function fleetbenchCommand(c: FleetbenchCase): string {
  const knobs = Object.entries(c.knobs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const targets = Object.entries(c.targets)
    .map(([k, v]) => `-t ${k}=${v}`)
    .join(' ');
  const processes = c.processes === undefined ? '' : ` --processes ${c.processes}`;
  return `${knobs} node src/bin/fleetbench.js run scenarios/bench/${c.scenario}.ts -q --workers ${c.workers}${processes} ${targets} --out-exact <dir>`;
}

export function fleetbenchSpawn(c: FleetbenchCase, dir: string): SpawnCase {
  const args = [FLEETBENCH_BIN, 'run', scenario(c.scenario), '-q', '--workers', String(c.workers)];
  for (const [name, url] of Object.entries(c.targets)) args.push('-t', `${name}=${url}`);
  if (c.processes !== undefined) args.push('--processes', String(c.processes));
  args.push('--out-exact', dir);
  return { args, env: { ...c.knobs, ...c.extraEnv }, timeoutMs: c.timeoutMs, cwd: ROOT };
}

/** Reads a fleetbench case's results.json back (exit 1 is a failed threshold or health check, still a result). */
export function fleetbenchOutcome(m: Measured, dir: string): EngineRun {
  const file = join(dir, 'results.json');
  if (!existsSync(file)) return { measured: m, error: failure(m, 'fleetbench') };
  const result = JSON.parse(readFileSync(file, 'utf8')) as RunResult;
  return { measured: m, result, line: lineOfResult(result) };
}

export async function runFleetbench(c: FleetbenchCase): Promise<EngineRun> {
  const dir = mkdtempSync(join(tmpdir(), 'fb-engine-out-'));
  try {
    const m = await runMeasured(fleetbenchSpawn(c, dir));
    return fleetbenchOutcome(m, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ScriptCase {
  script: keyof typeof SCRIPTS;
  port: number;
  devices: number;
  intervalMs?: number;
  durationMs: number;
  qos?: number;
  connectPerS: number;
  timeoutMs: number;
  extraEnv?: Env;
}

/** The command line of a baseline case, for the printed table. */
export function scriptCommand(c: ScriptCase): string {
  const env = [
    `FB_ENGINE_PORT=<port>`,
    `FB_ENGINE_DEVICES=${c.devices}`,
    c.intervalMs === undefined ? '' : `FB_ENGINE_INTERVAL_MS=${c.intervalMs}`,
    `FB_ENGINE_DURATION_MS=${c.durationMs}`,
    c.qos === undefined ? '' : `FB_ENGINE_QOS=${c.qos}`,
    `FB_ENGINE_CONNECT_RATE=${c.connectPerS}`,
  ].filter((s) => s !== '');
  return `${env.join(' ')} node src/bench/${SCRIPTS[c.script].split('/').pop()}`;
}

export function scriptSpawn(c: ScriptCase, out: string): SpawnCase {
  return {
    args: [SCRIPTS[c.script]],
    env: {
      FB_ENGINE_PORT: c.port,
      FB_ENGINE_DEVICES: c.devices,
      FB_ENGINE_INTERVAL_MS: c.intervalMs,
      FB_ENGINE_DURATION_MS: c.durationMs,
      FB_ENGINE_QOS: c.qos,
      FB_ENGINE_CONNECT_RATE: c.connectPerS,
      FB_ENGINE_OUT: out,
      ...c.extraEnv,
    },
    timeoutMs: c.timeoutMs,
    cwd: ROOT,
  };
}

export async function runScript(c: ScriptCase): Promise<EngineRun> {
  const dir = mkdtempSync(join(tmpdir(), 'fb-engine-script-'));
  const out = join(dir, 'out.json');
  try {
    const m = await runMeasured(scriptSpawn(c, out));
    if (!existsSync(out)) return { measured: m, error: failure(m, c.script) };
    return { measured: m, line: lineOfScript(JSON.parse(readFileSync(out, 'utf8'))) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
