// `npm run bench -- power [--radio=<profile>]`: the power model's independence from the machine
// that ran the test (issue 18). Runs scenarios/protocol-shootout.ts twice as a user would, once on
// a quiet machine and once with every core kept busy by spinning processes, and prints each
// fleet's energy per report, floor and battery life from both runs side by side with their
// relative difference, and the run's own loopback ack times (measured, never priced), which a
// busy machine stretches. Each run is a child process bounded in time.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../result/types.ts';
import { FLEETBENCH_BIN, ROOT } from './engine-run.ts';
import { runMeasured } from './engine-spawn.ts';

const SCENARIO = 'scenarios/protocol-shootout.ts';
const radio = process.argv.find((a) => a.startsWith('--radio='))?.slice('--radio='.length);

async function shootout(label: string): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), `fb-power-${label}-`));
  try {
    const m = await runMeasured({
      args: [FLEETBENCH_BIN, 'run', SCENARIO, '-q', '--out-exact', dir],
      env: radio ? { SHOOTOUT_RADIO: radio } : {},
      timeoutMs: 240_000,
      cwd: ROOT,
    });
    if (m.code !== 0) throw new Error(`${label} run exited ${m.code}: ${m.stderr.slice(-2000)}`);
    return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The machine's CPU counters (/proc/stat's first line): busy and total jiffies. */
function cpuTimes(): { busy: number; total: number } {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** One spinning process per core: the machine is fully busy while they run. */
function spinners(): ChildProcess[] {
  return Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
}

const quiet = await shootout('quiet');
const load = spinners();
let busy: RunResult;
let loadDuring = 0;
const before = cpuTimes();
try {
  busy = await shootout('busy');
  const after = cpuTimes();
  loadDuring = (after.busy - before.busy) / (after.total - before.total);
} finally {
  for (const p of load) p.kill('SIGKILL');
}
const pct = (a: number, b: number): string => (a === b ? '0' : `${((100 * (b - a)) / a).toFixed(3)}%`);
const f3 = (x: number): string => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(3) : x.toPrecision(3));
const ms = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${x.toFixed(2)}`);
console.log(
  `## Power: the shoot-out on a quiet and on a busy machine (${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores; the cores were ${(100 * loadDuring).toFixed(0)}% busy during the busy run)`,
);
console.log(
  `\`npm run bench -- power${radio ? ` --radio=${radio}` : ''}\` (${SCENARIO}, radio ${radio ?? 'cc2538-802154'})\n`,
);
console.log(
  '| fleet | mJ/report quiet | mJ/report busy | Δ | floor mJ quiet / busy | battery life days quiet / busy | loopback ack ms quiet / busy |',
);
console.log('|---|---|---|---|---|---|---|');
let worst = 0;
for (const [name, f] of Object.entries(quiet.fleets)) {
  const a = f.power;
  const b = busy.fleets[name]?.power;
  if (!a || !b) continue;
  worst = Math.max(worst, Math.abs(b.energyPerMessagemJ - a.energyPerMessagemJ) / a.energyPerMessagemJ);
  console.log(
    `| ${name} | ${f3(a.energyPerMessagemJ)} | ${f3(b.energyPerMessagemJ)} | ${pct(a.energyPerMessagemJ, b.energyPerMessagemJ)} | ${f3(a.floormJ)} / ${f3(b.floormJ)} | ${a.batteryLifeDays.toFixed(1)} / ${b.batteryLifeDays.toFixed(1)} | ${ms(a.measured.ackMeanMs)} / ${ms(b.measured.ackMeanMs)} |`,
  );
}
console.log(`\nlargest difference in energy per report: ${(worst * 100).toFixed(3)}%`);
