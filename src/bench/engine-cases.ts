// The cases of `npm run bench -- engine` that send: CPU per 100k messages for the raw
// publisher, the MQTT.js publisher and fleetbench at QoS 0 and 1 (interleaved, once per round),
// fleetbench's device sweep, start-up, the maximum rate against Mosquitto's own counter, and the
// connect rate achieved. Each returns figures; engine-table.ts judges and prints them.
import { type BrokerCounter, brokerCounter } from './broker-counter.ts';
import type { PrivateBroker } from './engine-mosquitto.ts';
import type { TreeSample } from './engine-proc.ts';
import { type EngineRun, type FleetbenchCase, runFleetbench, runScript, type ScriptCase } from './engine-run.ts';
import {
  brokerRate,
  type ConnectRate,
  connectRate,
  cpuPer100k,
  firstSecondsP99,
  type RunLine,
  steadyWindow,
  unreadOf,
} from './engine-windows.ts';

/** Sizes and lengths of every case: `--quick` validates the harness in about a minute. */
export interface Profile {
  name: 'quick' | 'full';
  rounds: number;
  /** The CPU cases: devices × one message per interval (10k msg/s), send phase, connect rate. */
  cpu: { devices: number; intervalMs: number; durationS: number; connectPerS: number };
  /** Device counts of the sweep at the same total rate; the CPU case's count is one of them. */
  sweep: number[];
  idle: { sizes: number[]; split: number; durationS: number; connectPerS: number };
  max: { devices: number; durationS: number; workers: number };
  connect: { devices: number; rates: number[]; workers: number };
  /** Worker threads of fleetbench in the CPU, sweep, start-up and idle cases. */
  workers: number;
}

export const PROFILES: Record<'quick' | 'full', Profile> = {
  quick: {
    name: 'quick',
    rounds: 1,
    cpu: { devices: 200, intervalMs: 20, durationS: 4, connectPerS: 2000 },
    sweep: [100, 200, 1000],
    idle: { sizes: [200, 600], split: 1000, durationS: 3, connectPerS: 2000 },
    max: { devices: 200, durationS: 4, workers: 2 },
    connect: { devices: 1000, rates: [2000, 3000], workers: 2 },
    workers: 1,
  },
  full: {
    name: 'full',
    rounds: 3,
    cpu: { devices: 1000, intervalMs: 100, durationS: 10, connectPerS: 2000 },
    sweep: [100, 1000, 10_000],
    idle: { sizes: [1000, 10_000], split: 30_000, durationS: 5, connectPerS: 2000 },
    max: { devices: 500, durationS: 16, workers: 2 },
    connect: { devices: 15_000, rates: [2000, 3000], workers: 2 },
    workers: 1,
  },
};

/** `--rounds N` or `--rounds=N`, 1 to 9; undefined when absent; an Error message when malformed. */
export function parseRounds(args: readonly string[]): number | string | undefined {
  const i = args.findIndex((a) => a === '--rounds' || a.startsWith('--rounds='));
  if (i < 0) return undefined;
  const arg = args[i] as string;
  const text = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[i + 1];
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 9 ? n : `--rounds expects a whole number from 1 to 9, got ${text}`;
}

/** Total offered rate of the CPU and sweep cases, messages per second. */
export const rateOf = (p: Profile): number => (p.cpu.devices * 1000) / p.cpu.intervalMs;

export type Engine = 'raw' | 'mqttjs' | 'fleetbench';
export const ENGINES: Engine[] = ['raw', 'mqttjs', 'fleetbench'];

export interface Figure {
  /** CPU seconds of the whole tree per 100,000 messages in the steady window. */
  cpu100k?: number;
  /** Messages per second achieved in that window. */
  rate?: number;
  error?: string;
}

function figureOf(run: EngineRun): Figure {
  if (!run.line) return { error: run.error ?? 'no timeline' };
  const w = steadyWindow(run.line);
  if (!w) return { error: 'send phase too short for a steady window' };
  const cpu100k = cpuPer100k(run.measured.samples, w);
  return { cpu100k, rate: w.messages / ((w.toMs - w.fromMs) / 1000) };
}

/** Per-device interval (ms) that keeps the total rate of the CPU case with `devices` devices. */
const intervalFor = (p: Profile, devices: number): number => (devices * 1000) / rateOf(p);

/** The warm-up window of the sending cases, when the send phase is long enough for one. */
const WARMUP_S = 2;

export function publisherCase(p: Profile, broker: PrivateBroker, qos: 0 | 1, devices: number): FleetbenchCase {
  return {
    scenario: 'qos0-max',
    knobs: {
      FB_BENCH_DEVICES: devices,
      FB_BENCH_INTERVAL: `${intervalFor(p, devices)}ms`,
      FB_BENCH_QOS: qos,
      FB_BENCH_DURATION: `${p.cpu.durationS}s`,
      // The first seconds after a warm-up are what the start-transient row judges.
      FB_BENCH_WARMUP: p.cpu.durationS >= 3 * WARMUP_S ? `${WARMUP_S}s` : undefined,
      // 10,000 devices connect at 3,000/s, so the sweep's largest case does not wait 5 s.
      FB_BENCH_CONNECT_RATE: `${devices >= 10_000 ? 3000 : p.cpu.connectPerS}/s`,
    },
    workers: p.workers,
    targets: { mqtt: broker.url },
    timeoutMs: (p.cpu.durationS + 90) * 1000,
  };
}

export function baselineCase(p: Profile, broker: PrivateBroker, engine: 'raw' | 'mqttjs', qos: 0 | 1): ScriptCase {
  return {
    script: engine,
    port: broker.port,
    devices: p.cpu.devices,
    intervalMs: p.cpu.intervalMs,
    durationMs: p.cpu.durationS * 1000,
    qos,
    connectPerS: p.cpu.connectPerS,
    timeoutMs: (p.cpu.durationS + 90) * 1000,
  };
}

export interface P99s {
  key: string;
  /** µs, one per second of the first 10 of the send phase. */
  p99: number[];
}

export interface RoundFigures {
  cpu: Record<'0' | '1', Record<Engine, Figure>>;
  sweep: Record<number, Figure>;
  p99: { q0?: P99s; q1?: P99s };
  startup: { cpuS?: number; rssKiB?: number; error?: string };
}

/** One round: each QoS's three engines back to back, then the sweep's other sizes, then start-up. */
export async function round(p: Profile, broker: PrivateBroker, log: (s: string) => void): Promise<RoundFigures> {
  const out: RoundFigures = { cpu: { '0': {}, '1': {} } as RoundFigures['cpu'], sweep: {}, p99: {}, startup: {} };
  for (const qos of [0, 1] as const) {
    for (const engine of ENGINES) {
      log(`QoS ${qos} ${engine}`);
      const run =
        engine === 'fleetbench'
          ? await runFleetbench(publisherCase(p, broker, qos, p.cpu.devices))
          : await runScript(baselineCase(p, broker, engine, qos));
      out.cpu[qos][engine] = figureOf(run);
      if (engine === 'fleetbench' && run.line) {
        const p99 = firstSecondsP99(run.line, qos === 0 ? /send_lateness/ : /\|ack/, 10);
        if (p99) out.p99[qos === 0 ? 'q0' : 'q1'] = p99;
        if (qos === 0) out.sweep[p.cpu.devices] = out.cpu[0].fleetbench;
      }
    }
  }
  for (const devices of p.sweep.filter((d) => d !== p.cpu.devices)) {
    log(`sweep ${devices} devices`);
    out.sweep[devices] = figureOf(await runFleetbench(publisherCase(p, broker, 0, devices)));
  }
  log('start-up');
  out.startup = await startup(p, broker);
  return out;
}

export function startupCase(p: Profile, broker: PrivateBroker): FleetbenchCase {
  return {
    scenario: 'idle-devices',
    knobs: { FB_BENCH_DEVICES: 1, FB_BENCH_DURATION: '1s' },
    workers: p.workers,
    targets: { mqtt: broker.url },
    timeoutMs: 60_000,
  };
}

const peakRss = (samples: readonly TreeSample[]): number | undefined =>
  samples.length === 0 ? undefined : Math.max(...samples.map((s) => s.rssKiB));

/** CPU (user + sys, /usr/bin/time) of a 1-device, 1 s run, and the tree's peak RSS in it. */
async function startup(p: Profile, broker: PrivateBroker): Promise<RoundFigures['startup']> {
  const run = await runFleetbench(startupCase(p, broker));
  const m = run.measured;
  if (!run.result) return { error: run.error };
  const cpuS = m.userS !== undefined && m.sysS !== undefined ? m.userS + m.sysS : undefined;
  return { cpuS, rssKiB: peakRss(m.samples) };
}

export interface MaxRate {
  sent?: number;
  sentPerS?: number;
  /** The broker's counter rose by this much from before the run to the moment fleetbench exited. */
  brokerAtExit?: number;
  /** … and to a settled value at least 3 s after the exit. */
  brokerAfter?: number;
  unread?: number;
  /** Over the send phase without its first and last second: fleetbench's rate of sends, and the broker's counter's slope. */
  steady?: { fleetbenchPerS: number; brokerPerS: number | undefined };
  error?: string;
}

export function maxCase(p: Profile, broker: PrivateBroker): FleetbenchCase {
  return {
    scenario: 'qos0-max',
    knobs: {
      FB_BENCH_DEVICES: p.max.devices,
      FB_BENCH_INTERVAL: '1ms',
      FB_BENCH_DURATION: `${p.max.durationS}s`,
    },
    workers: p.max.workers,
    targets: { mqtt: broker.url },
    timeoutMs: (p.max.durationS + 90) * 1000,
  };
}

/** Offered far more than it can send; what it sent against Mosquitto's $SYS PUBLISH counter. */
function steadyRates(line: RunLine | undefined, series: BrokerCounter['series']): MaxRate['steady'] | undefined {
  const w = line && steadyWindow(line);
  if (!w) return undefined;
  return { fleetbenchPerS: (w.messages * 1000) / (w.toMs - w.fromMs), brokerPerS: brokerRate(series, w) };
}

export async function maxRate(p: Profile, broker: PrivateBroker): Promise<MaxRate> {
  // sys_interval is 1 s: quiet for 2.5 s means every update has arrived.
  let counter = await brokerCounter(broker.url, 2500);
  // A broker still closing thousands of connections from the case before may answer late: try again.
  for (let i = 0; i < 3 && !counter; i++) {
    await new Promise((r) => setTimeout(r, 5000));
    counter = await brokerCounter(broker.url, 2500);
  }
  if (!counter) return { error: 'no $SYS/broker/publish/messages/received from the broker' };
  try {
    const before = await counter.settled(30_000);
    if (before === undefined) return { error: 'the broker counter did not settle before the run' };
    const run = await runFleetbench(maxCase(p, broker));
    const exitedAt = Date.now();
    const atExit = counter.latest() - before;
    await new Promise((r) => setTimeout(r, Math.max(0, 3000 - (Date.now() - exitedAt))));
    const settled = await counter.settled(30_000);
    if (!run.result) return { error: run.error };
    const f = Object.values(run.result.fleets)[0];
    return {
      sent: f?.messages.sent,
      sentPerS: f?.rates.sentPerS,
      brokerAtExit: atExit,
      brokerAfter: settled === undefined ? undefined : settled - before,
      unread: unreadOf(run.result),
      steady: steadyRates(run.line, counter.series),
    };
  } finally {
    await counter.close();
  }
}

export interface ConnectFigure {
  requested: number;
  achieved?: ConnectRate;
  connectP99Us?: number;
  /** result.run.connect.achievedPerS: the rate connects were started at (the pacing itself). */
  startedPerS?: number;
  error?: string;
}

export function connectCase(p: Profile, broker: PrivateBroker, perS: number): FleetbenchCase {
  return {
    scenario: 'idle-devices',
    knobs: { FB_BENCH_DEVICES: p.connect.devices, FB_BENCH_CONNECT_RATE: `${perS}/s`, FB_BENCH_DURATION: '1s' },
    workers: p.connect.workers,
    targets: { mqtt: broker.url },
    timeoutMs: 120_000,
  };
}

/** The connect rate achieved at each requested rate: timeline[].fleets.<fleet>.connected per second. */
export async function connectRates(p: Profile, broker: PrivateBroker): Promise<ConnectFigure[]> {
  const out: ConnectFigure[] = [];
  for (const perS of p.connect.rates) {
    const run = await runFleetbench(connectCase(p, broker, perS));
    if (!run.line || !run.result) {
      out.push({ requested: perS, error: run.error });
      continue;
    }
    const achieved = connectRate(run.line, p.connect.devices);
    const connect = Object.values(run.result.fleets)[0]?.latency.connect;
    out.push({
      requested: perS,
      achieved,
      connectP99Us: connect?.p99,
      startedPerS: run.result.run.connect?.achievedPerS,
    });
  }
  return out;
}
