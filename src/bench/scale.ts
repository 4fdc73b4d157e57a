// `npm run bench -- scale [--quick]`: the figures of capacity planning (BENCHMARKS.md).
//   1. Idle devices in ONE `fleetbench run` over two private Mosquittos (one broker process holds
//      fewer sockets than the open-file limit here), spread over generator processes by
//      fleetbench itself: RSS of the whole tree, marginal KiB per device, connect time.
//   2. The same load as one run and as two local shards (one --run-id, one --start-at, shard 1 on
//      shard 0's clock) merged by `fleetbench merge`: counts side by side, latency, CPU.
//   3. `fleetbench capacity` against a throttled private Mosquitto, three times: the knee found.
// Every case is a child process under engine-spawn.ts's sampler and time limit.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../result/types.ts';
import { scenario } from './common.ts';
import { PROFILES, type Profile } from './engine-cases.ts';
import { idleSplit } from './engine-idle.ts';
import { freePort, mosquittoVersion, type PrivateBroker, startMosquitto } from './engine-mosquitto.ts';
import { hardFileLimit } from './engine-proc.ts';
import { FLEETBENCH_BIN, ROOT } from './engine-run.ts';
import { type Measured, runMeasured } from './engine-spawn.ts';
import { KNEE_COMMAND, type KneeFigure, kneeRounds } from './scale-knee.ts';

const n0 = (n: number | undefined): string => (n === undefined ? '–' : Math.round(n).toLocaleString('en'));
const mib = (kib: number | undefined): string => (kib === undefined ? '–' : `${(kib / 1024).toFixed(1)} MiB`);
const cpuS = (m: Measured): string =>
  m.userS === undefined || m.sysS === undefined ? '–' : `${(m.userS + m.sysS).toFixed(2)} CPU-s`;

interface ShardFigures {
  single: RunResult;
  merged: RunResult;
  singleRun: Measured;
  shardRuns: Measured[];
  /** Shard 1's clock against shard 0, as its own result recorded it. */
  shard1Clock: string;
  command: string[];
}

function fleetbench(args: string[], env: Record<string, string | number>, timeoutMs: number): Promise<Measured> {
  return runMeasured({ args: [FLEETBENCH_BIN, ...args], env, timeoutMs, cwd: ROOT });
}

const readResult = (dir: string): RunResult => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;

/** Part 2: one run, then two shard processes and their merge, against the same broker. */
async function shardCase(broker: PrivateBroker, devices: number): Promise<ShardFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'fb-scale-shards-'));
  const env = { FB_BENCH_DEVICES: devices };
  const base = ['run', scenario('shard-load'), '-q', '-t', `mqtt=${broker.url}`];
  try {
    const t0 = Date.now();
    const singleRun = await fleetbench([...base, '--out-exact', join(dir, 'single')], env, 180_000);
    const wallMs = Date.now() - t0;
    const startAt = Date.now() + Math.max(10_000, wallMs);
    const runId = `scale${process.pid}`;
    const clockPort = await freePort();
    const shard = (i: number, extra: string[]) => [
      ...base,
      ...['--shard', `${i}/2`, '--run-id', runId, '--start-at', String(startAt)],
      ...['--out-exact', join(dir, `s${i}`), ...extra],
    ];
    const shardArgs = [
      shard(0, ['--clock-port', String(clockPort)]),
      shard(1, ['--clock-ref', `127.0.0.1:${clockPort}`]),
    ];
    const shardRuns = await Promise.all(shardArgs.map((a) => fleetbench(a, env, 180_000)));
    const merge = await fleetbench(['merge', join(dir, 's0'), join(dir, 's1'), '-o', join(dir, 'merged')], {}, 60_000);
    if (merge.code !== 0) throw new Error(`fleetbench merge exited ${merge.code}: ${merge.stderr.slice(-400)}`);
    const c = readResult(join(dir, 's1')).run.clock;
    return {
      shard1Clock: c
        ? `shard 1: ${c.method} with ${c.reference}, offset ${c.offsetUs} µs ± ${c.uncertaintyUs} µs`
        : 'none',
      single: readResult(join(dir, 'single')),
      merged: readResult(join(dir, 'merged')),
      singleRun,
      shardRuns,
      command: [
        `FB_BENCH_DEVICES=${devices} node src/bin/fleetbench.js run scenarios/bench/shard-load.ts -q -t mqtt=<broker> --out-exact single`,
        `… --shard 0/2 --run-id R --start-at T --clock-port P --out-exact s0 & … --shard 1/2 --run-id R --start-at T --clock-ref 127.0.0.1:P --out-exact s1`,
        'node src/bin/fleetbench.js merge s0 s1 -o merged',
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every message, warm-up included, per delivery row and fleet, for the side-by-side table. */
function counts(r: RunResult): Record<string, number> {
  const f = r.fleets.sensors;
  const d = r.delivery.find((x) => x.from === 'sensors' && x.to === 'backend');
  const w = r.warmup?.delivery.find((x) => x.from === 'sensors' && x.to === 'backend');
  return {
    sent: (f?.messages.sent ?? 0) + (r.warmup?.fleets.sensors?.sent ?? 0),
    acked: (f?.messages.acked ?? 0) + (r.warmup?.fleets.sensors?.acked ?? 0),
    expected: (d?.expected ?? 0) + (w?.expected ?? 0),
    unique: (d?.unique ?? 0) + (w?.unique ?? 0),
    lost: (d?.lost ?? 0) + (w?.lost ?? 0),
    duplicated: (d?.duplicated ?? 0) + (w?.duplicated ?? 0),
    'peak connected': (f?.devices.peakConnected ?? 0) + (r.fleets.backend?.devices.peakConnected ?? 0),
    'e2e p50 µs': d?.latency.corrected.p50 ?? 0,
    'e2e p99 µs': d?.latency.corrected.p99 ?? 0,
  };
}

function shardTable(s: ShardFigures): string[] {
  const a = counts(s.single);
  const b = counts(s.merged);
  const lines = ['| figure | one run | 2 shards merged | equal |', '|---|---|---|---|'];
  for (const k of Object.keys(a)) {
    const exact = !k.includes('µs');
    lines.push(
      `| ${k} | ${n0(a[k])} | ${n0(b[k])} | ${exact ? (a[k] === b[k] ? 'yes' : '**no**') : '(a different run)'} |`,
    );
  }
  lines.push(
    `| CPU (whole tree) | ${cpuS(s.singleRun)} | ${s.shardRuns.map(cpuS).join(' + ')} | |`,
    `| peak RSS, largest process | ${mib(s.singleRun.maxRssKiB)} | ${s.shardRuns.map((m) => mib(m.maxRssKiB)).join(', ')} | |`,
    `| clock | – | ${s.shard1Clock} | |`,
    `| cross-shard latency | – | ± ${s.merged.run.merged?.crossShardUncertaintyUs ?? 'unverified'} µs | |`,
  );
  return lines;
}

function kneeTable(k: KneeFigure[]): string[] {
  const lines = [
    "| repeat | knee (msg/s offered) | sustainable max (msg/s) | first failing (msg/s) | the throttle's capacity (msg/s) | generator-bound | steps | time |",
    '|---|---|---|---|---|---|---|---|',
  ];
  k.forEach((f, i) => {
    lines.push(
      `| ${i + 1} | ${f.error ? `failed: ${f.error}` : n0(f.knee)} | ${n0(f.max)} | ${n0(f.firstFailing)} | ${n0(f.expected)} | ${f.generatorBound ? 'yes' : 'no'} | ${f.steps ?? '–'} | ${f.seconds === undefined ? '–' : `${f.seconds.toFixed(0)} s`} |`,
    );
  });
  return lines;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const p: Profile = PROFILES[quick ? 'quick' : 'full'];
  const t0 = Date.now();
  const log = (s: string): void => {
    process.stderr.write(`[scale ${((Date.now() - t0) / 1000).toFixed(0)}s] ${s}\n`);
  };
  const startedAt = new Date().toISOString();
  const load = (loadavg()[0] ?? 0).toFixed(2);
  const brokers = [await startMosquitto(), await startMosquitto()] as [PrivateBroker, PrivateBroker];
  const out: string[] = [];
  try {
    log(`idle ${p.idle.split} devices in one run over two brokers`);
    const idle = await idleSplit(p, brokers);
    log('one run vs two shards merged');
    const shards = await shardCase(brokers[0], quick ? 200 : 2000);
    log('capacity knee of a throttled broker, 3 repeats');
    const knee = await kneeRounds(quick, log);
    out.push(
      `## npm run bench -- scale${quick ? ' --quick' : ''} (${startedAt}, ${((Date.now() - t0) / 60_000).toFixed(1)} min)`,
      '',
      `Machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}, ${mosquittoVersion()}, hard open-file limit ${hardFileLimit() ?? 'unknown'}, load ${load} at start.`,
      '',
      `### ${n0(p.idle.split)} idle MQTT devices in one run, two private Mosquittos`,
      '',
      idle.error
        ? `failed: ${idle.error}`
        : `RSS of the tree ${mib(idle.rssKiB)}; marginal ${idle.marginalKiB?.toFixed(1) ?? '–'} KiB / device; ${idle.note ?? ''}`,
      '',
      '### The same load: one run vs two local shards merged',
      '',
      ...shardTable(shards),
      '',
      ...shards.command.map((c) => `    ${c}`),
      '',
      '### Capacity: the knee of a throttled private Mosquitto',
      '',
      ...kneeTable(knee),
      '',
      `    ${KNEE_COMMAND}`,
      '',
    );
  } finally {
    await Promise.all(brokers.map((b) => b.stop()));
  }
  process.stdout.write(`\n${out.join('\n')}\n`);
}

await main();
