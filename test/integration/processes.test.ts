// `--processes 2`: two generator processes under one coordinator against the machine's
// Mosquitto. One result with exact delivery counts over both slices, one progress report per
// interval, and a generator process killed mid-run costing only its own slice.
import { type ChildProcess, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import type { RunResult } from '../../src/result/types.ts';
import type { Progress } from '../../src/runner/progress.ts';
import { MOSQUITTO_URL } from '../helpers/brokers.ts';
import { DRAIN, runCli, TMP_DIR, writeScenario } from '../helpers/scenario.ts';
import { waitFor } from '../helpers/wait.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEVICES = 40;
const MESSAGES = 20;
const OBSERVERS = 2;

function scenario(name: string, messages: number, topic = 'procs'): string {
  return writeScenario(
    name,
    `export default defineScenario({
      name: '${name}',
      duration: '${messages / 10 + 1}s',
      drain: '${DRAIN}',
      fleets: {
        sensors: { count: ${DEVICES}, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/${topic}/{id}', send: every('100ms'), messages: ${messages}, payload: bytes(40) },
      },
      observers: {
        sink: { count: ${OBSERVERS}, protocol: mqtt({ qos: 1 }), subscribe: 'fbtest/{run}/${topic}/+', receives: ['sensors'] },
      },
    });`,
  );
}

describe('a run over two generator processes', () => {
  it('delivers exactly, reports one progress line per interval and records the processes', async () => {
    const progress: Progress[] = [];
    const t0 = Date.now();
    const { result } = await run({
      scenario: scenario('procs-two', MESSAGES),
      targets: { mqtt: MOSQUITTO_URL },
      processes: 2,
      workers: 2,
      write: false,
      onProgress: (p) => progress.push(p),
    });
    const wallS = (Date.now() - t0) / 1000;
    expect(result.run.partial).toBe(false);
    expect(result.run.processes).toBe(2);
    expect(result.run.workers).toBe(2);
    const sensors = result.fleets.sensors!;
    expect(sensors.devices.peakConnected).toBe(DEVICES);
    expect(result.fleets.sink!.devices.peakConnected).toBe(OBSERVERS);
    expect(sensors.messages.sent).toBe(DEVICES * MESSAGES);
    const d = result.delivery.find((x) => x.from === 'sensors' && x.to === 'sink')!;
    expect(d.expected).toBe(DEVICES * MESSAGES * OBSERVERS);
    expect(d.received).toBe(d.expected);
    expect(d.lost).toBe(0);
    expect(d.duplicated).toBe(0);
    // One report per one-second interval, not one per process: the send phase's reports are a
    // second apart each (two processes reporting separately would repeat an interval; an interval
    // that began before the start reads 0 s) ...
    const times = progress.filter((p) => p.elapsedS > 0).map((p) => p.elapsedS);
    expect(times.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeCloseTo(1, 1);
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(wallS) + 1);
    // ... and each one sums both processes: 40 devices × 10/s is 400/s in a whole second of the
    // send phase; one process alone sends 200/s.
    expect(Math.max(...progress.map((p) => p.sentPerS))).toBeGreaterThan(300);
    expect(Math.max(...progress.map((p) => p.connected))).toBe(DEVICES + OBSERVERS);
  });

  it('keeps the other slice when a generator process is killed, and fails the run', async () => {
    const out = join(TMP_DIR, `procs-kill-${process.pid}`);
    const topic = `procs-kill-${process.pid}`;
    // A watcher at the broker: the kill comes once the send phase is under way.
    const watcher = await mqtt.connectAsync(MOSQUITTO_URL);
    let seen = 0;
    watcher.on('message', () => seen++);
    await watcher.subscribeAsync(`fbtest/+/${topic}/+`);
    let cli: ChildProcess | undefined;
    const running = runCli(
      ['run', scenario('procs-kill', 80, topic), '-t', `mqtt=${MOSQUITTO_URL}`, '--processes', '2', '--out-exact', out],
      { timeoutMs: 90_000, onSpawn: (c) => (cli = c) },
    );
    // The coordinator's children are the generator processes (worker threads are not processes).
    const children = await waitFor(
      () => {
        // ps exits 1 while the coordinator has no child yet.
        const { stdout: listed } = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(cli?.pid)], {
          encoding: 'utf8',
        });
        const pids = listed
          .split('\n')
          .filter((l) => l.includes('process-child'))
          .map((l) => Number(l.trim().split(/\s+/)[0]));
        return pids.length === 2 ? pids : undefined;
      },
      { what: 'two generator processes' },
    );
    // A second of sending (40 devices × 10/s), well before the 8 s send phase ends.
    await waitFor(() => seen >= 400, { what: 'messages at the broker', timeoutMs: 60_000, detail: () => seen });
    await watcher.endAsync();
    process.kill(children[0]!, 'SIGKILL');
    const { code, stdout } = await running;
    expect(code).toBe(1);
    expect(stdout).toMatch(/on 2 worker\(s\) in 2\s+processes/);
    const result = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResult;
    expect(result.run.partial).toBe(true);
    expect(result.run.partialReason).toMatch(/generator process 0, pid \d+\) was killed by SIGKILL/);
    expect(result.errors.some((e) => e.code === 'worker.crashed')).toBe(true);
    // The surviving process's slice is whole: half the sensors (odd device indexes) sent all
    // their messages, every one of them arrived, and its observer got them.
    const d = result.delivery.find((x) => x.from === 'sensors' && x.to === 'sink')!;
    expect(d.expected).toBeGreaterThan(0);
    expect(d.lost).toBe(0);
    expect(result.fleets.sensors!.messages.sent).toBeGreaterThanOrEqual(d.expected);
  }, 120_000);

  // A coordinator started under a hard open-file limit of 300 (prlimit(1) sets it for the child):
  // 250 devices do not fit in one process (300 less 100 reserved), so the run takes two and says why.
  it.skipIf(spawnSync('prlimit', ['--version']).status !== 0)(
    'spreads a run past the open-file limit over processes by itself',
    async () => {
      const out = join(TMP_DIR, `procs-auto-${process.pid}`);
      const file = writeScenario(
        'procs-auto',
        `export default defineScenario({
        name: 'procs-auto', duration: '1s', drain: '300ms', connectRate: '2000/s',
        fleets: { idle: { count: 250, protocol: mqtt(), subscribe: 'fbtest/{run}/procs-auto/{id}' } },
      });`,
      );
      // The CLI as runCli starts it, under prlimit; no width or job summary inherited.
      const { COLUMNS: _w, GITHUB_STEP_SUMMARY: _s, ...env } = process.env;
      const cli = spawnSync(
        'prlimit',
        [
          '--nofile=300:300',
          process.execPath,
          'src/bin/fleetbench.js',
          'run',
          file,
          '-t',
          `mqtt=${MOSQUITTO_URL}`,
          '--out-exact',
          out,
          '-q',
        ],
        { cwd: ROOT, encoding: 'utf8', timeout: 90_000, env: { ...env, FORCE_COLOR: '0' } },
      );
      const { status: code, stderr } = cli;
      expect(code, stderr).toBe(0);
      expect(stderr).toContain(
        'hard open-file limit 300: 250 devices need 2 processes of at most 200 sockets each; running 2 generator processes (choose with --processes)',
      );
      const result = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResult;
      expect(result.run.processes).toBe(2);
      expect(result.fleets.idle!.devices.peakConnected).toBe(250);
      expect(result.errors).toEqual([]);
    },
  );
});
