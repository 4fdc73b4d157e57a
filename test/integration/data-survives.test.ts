// A run never loses its data: a results directory that cannot be written is refused before the
// run; one that breaks during the run sends the folder to the OS temp folder; a payload function
// that throws is a counted error; a worker that crashes or hangs costs its own shard only.
//
// Most of these tests wait (a run's duration, its drain, a 5 s grace before a stuck worker is
// terminated), so the independent ones run concurrently (`it.concurrent`, with the test's own
// `expect`). The start-up timings and the test that points this process's TMPDIR elsewhere run alone.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ErrorCount } from '../../src/metrics/recorder.ts';
import type { RunResult } from '../../src/result/types.ts';
import { run } from '../../src/run.ts';
import { type CliResult, runCli, TMP_DIR, writeScenario } from '../helpers/scenario.ts';

const NO_STACK = /^\s+at .+\(.+:\d+:\d+\)$/m;
let seq = 0;
const outDir = (name: string): string => join(TMP_DIR, `survive-${name}-${process.pid}-${seq++}`);

/** Two sensors and an observer on the embedded broker; `payload` is the sensors' payload expression. */
function sensors(name: string, payload = 'bytes(24)', duration = '2s'): string {
  return writeScenario(
    name,
    `export default defineScenario({
      name: '${name}', duration: '${duration}', drain: '500ms',
      fleets: { s: { count: 2, protocol: mqtt({ qos: 1 }), topic: 'fbsurvive/{run}/{id}', send: every('100ms'), payload: ${payload} } },
      observers: { o: { protocol: mqtt({ qos: 1 }), receives: ['s'] } },
    });`,
  );
}

type OnSpawn = NonNullable<NonNullable<Parameters<typeof runCli>[1]>['onSpawn']>;

async function timed(args: string[], onSpawn?: OnSpawn, env?: Record<string, string>) {
  const started = Date.now();
  const r: CliResult = await runCli(args, {
    timeoutMs: 60_000,
    ...(onSpawn ? { onSpawn } : {}),
    ...(env ? { env } : {}),
  });
  return { ...r, ms: Date.now() - started };
}

/**
 * Runs a 3 s scenario whose `--out` directory is replaced by a file once the run is under way;
 * `replaced` says whether that happened.
 */
async function runReplacingOut(name: string, out: string, env?: Record<string, string>) {
  let replaced = false;
  const r = await timed(
    ['run', sensors(name, 'bytes(24)', '3s'), '--out', out],
    (child) => {
      child.stdout?.on('data', () => undefined);
      // Once the run is under way (its directory passed the check: the first progress line), the
      // directory becomes a file.
      child.stderr?.on('data', (d: Buffer) => {
        if (!replaced && /\] devices \d+\/\d+/.test(d.toString())) {
          replaced = true;
          rmSync(out, { recursive: true });
          writeFileSync(out, 'in the way');
        }
      });
    },
    env,
  );
  return { ...r, replaced };
}

/** The executable's start-up alone (`--version` loads no scenario), the slower of two on a busy machine. */
async function measureStartupMs(): Promise<number> {
  const a = await timed(['--version']);
  const b = await timed(['--version']);
  return Math.max(a.ms, b.ms);
}

/** Measured once, by the first test that needs it: both refusals compare against the same figure. */
let startup: Promise<number> | undefined;
const startupMs = (): Promise<number> => (startup ??= measureStartupMs());

/**
 * Runs `fn` once the previous caller's run has ended: a run whose payload function never returns
 * keeps a core busy until its stuck worker is terminated, and two at once would starve the rest.
 */
let spinner: Promise<unknown> = Promise.resolve();
function oneSpinnerAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const turn = spinner.then(fn);
  spinner = turn.catch(() => undefined);
  return turn;
}

function readResult(dir: string): RunResult {
  const [folder] = readdirSync(dir);
  return JSON.parse(readFileSync(join(dir, folder as string, 'results.json'), 'utf8')) as RunResult;
}

const errorsOf = (r: RunResult, code: string): ErrorCount[] =>
  r.errors.filter((e) => e.code === code).sort((a, b) => a.group.localeCompare(b.group));

describe('--out is checked before the run', () => {
  it('refuses a file at once, naming --out (exit 2, nothing run)', async () => {
    const file = sensors('out-file');
    const startup = await startupMs();
    const out = join(TMP_DIR, `survive-file-${process.pid}`);
    mkdirSync(TMP_DIR, { recursive: true });
    writeFileSync(out, 'not a directory');
    const r = await timed(['run', file, '--out', out, '-q']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`fleetbench: --out ${out}: is not a directory`);
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(r.stdout).not.toContain('devices');
    expect(r.ms).toBeLessThan(startup + 2000);
  });

  it('refuses /proc at once instead of hanging', async () => {
    const startup = await startupMs();
    const r = await timed(['run', sensors('out-proc'), '--out', '/proc/x', '-q']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('fleetbench: --out /proc/x: is under /proc, a kernel file system');
    expect(r.ms).toBeLessThan(startup + 2000);
  });
});

describe('a folder that cannot be written at the end', () => {
  // First and alone: it points this process's TMPDIR at a file, which a process or worker thread
  // started meanwhile would inherit.
  it('says the results are lost when the temp folder fails too (programmatic API)', async () => {
    const out = outDir('lost');
    const blocker = outDir('tmp-blocker');
    const saved = process.env.TMPDIR;
    try {
      const outcome = await run({
        scenario: sensors('lost', 'bytes(24)', '1s'),
        workers: 1,
        reportsDir: out,
        onWarning: () => undefined,
        onResult: () => {
          rmSync(out, { recursive: true });
          writeFileSync(out, 'in the way');
          // os.tmpdir() follows TMPDIR: the fallback lands under a file, too.
          writeFileSync(blocker, 'in the way');
          process.env.TMPDIR = blocker;
        },
      });
      expect(outcome.resultPath).toBeUndefined();
      expect(outcome.writeProblem?.dir).toBe(out);
      expect(outcome.writeProblem?.fallbackDir).toBe(join(blocker, 'fleetbench'));
      expect(outcome.writeProblem?.fallbackReason).toMatch(/ENOTDIR/);
      expect(outcome.result.fleets.s?.messages.sent).toBeGreaterThan(0);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      rmSync(out, { force: true });
      rmSync(blocker, { force: true });
    }
  });
});

// The six tests below run concurrently, in one pool of 3 (their suites are consecutive and
// concurrent), in the order declared: the longest first, beside the two lightest runs. The two
// runs whose payload function never returns each keep a core busy until their stuck worker is
// terminated: they take turns (oneSpinnerAtATime), and the SIGTERM one is declared last, so that
// it mostly starts after the other one ended.
describe.concurrent('a worker that crashes or hangs', () => {
  it('a run whose payload function never returns still ends after its planned end', async ({ expect }) => {
    const file = writeScenario(
      'spin-end',
      `export default defineScenario({
        name: 'spin-end', duration: '1s', drain: '300ms', connectTimeout: '1s',
        fleets: { s: { count: 2, protocol: mqtt(), topic: 'fbsurvive/{run}/{id}', send: every('100ms'),
          payload: json((c) => { if (c.id === 1 && c.seq === 3) for (;;) {} return {}; }) } },
      });`,
    );
    let started = 0;
    const outcome = await oneSpinnerAtATime(() => {
      started = Date.now();
      return run({ scenario: file, workers: 2, write: false, onWarning: () => undefined });
    });
    // Planned end (1.3 s) + closing (2 × connectTimeout) + 5 s grace → stop; + 0.3 s drain + 5 s grace → terminate.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(outcome.workerCrashed).toBe(true);
    expect(outcome.result.run.partial).toBe(true);
    const crashed = errorsOf(outcome.result, 'worker.crashed');
    expect(crashed.map((e) => e.group)).toEqual(['s']);
    expect(crashed[0]?.message).toMatch(
      /^worker 1 stopped answering \(silent for 5 s after the stop's drain\) and was terminated/,
    );
    expect(crashed[0]?.count).toBe(1);
    // Worker 0 sent its schedule (about 10 sends) before the run was stopped, and was kept.
    expect(outcome.result.fleets.s?.messages.sent).toBeGreaterThan(5);
  }, 40_000);

  it('costs its own shard only: the others are kept and the run is partial', async ({ expect }) => {
    // Two workers: device 1 of each fleet runs on worker 1, whose thread dies of an uncaught exception.
    const file = writeScenario(
      'crash',
      `export default defineScenario({
        name: 'crash', duration: '2s', drain: '500ms',
        fleets: {
          s: { count: 2, protocol: mqtt({ qos: 1 }), topic: 'fbsurvive/{run}/s/{id}', send: every('100ms'), payload: bytes(24) },
          k: { count: 2, protocol: mqtt(), topic: 'fbsurvive/{run}/k/{id}', send: every('100ms'),
            payload: json((c) => { if (c.id === 1 && c.seq === 4) setImmediate(() => { throw new Error('kaboom'); }); return {}; }) },
        },
        observers: { o: { protocol: mqtt({ qos: 1 }), receives: ['s'] } },
      });`,
    );
    const outcome = await run({ scenario: file, workers: 2, reportsDir: outDir('crash'), onWarning: () => undefined });
    const result = outcome.result;
    expect(outcome.workerCrashed).toBe(true);
    expect(result.run.partial).toBe(true);
    expect(result.run.partialReason).toContain('worker 1 crashed: kaboom');
    const crashed = errorsOf(result, 'worker.crashed');
    // Worker 1 ran s#1 and k#1; the observer ran on worker 0.
    expect(crashed.map((e) => e.group)).toEqual(['k', 's']);
    expect(crashed[0]?.message).toContain('kaboom');
    // Worker 0's shard survived: its sends, and the observer's delivery book.
    expect(result.fleets.s?.messages.sent).toBeGreaterThan(0);
    // Delivery comes from the shards' final books only: the observer's (worker 0) was kept.
    const d = result.delivery.find((x) => x.from === 's' && x.to === 'o');
    expect(d?.received).toBeGreaterThan(0);
    expect(outcome.resultPath && existsSync(outcome.resultPath)).toBe(true);
  });
});

describe.concurrent('payload functions that fail', () => {
  it('count payload.error on their group and the run goes on', async ({ expect }) => {
    const file = writeScenario(
      'payload-errors',
      `let n = 0;
      const circular = () => { const o: Record<string, unknown> = {}; o.self = o; return o; };
      export default defineScenario({
        name: 'payload-errors', duration: '1500ms', drain: '500ms',
        fleets: {
          thrower: { count: 1, protocol: mqtt(), topic: 'fbsurvive/{run}/t', send: every('100ms'),
            payload: json(() => { if (n++ % 2 === 1) throw new Error('sensor offline ' + n); return { ok: true }; }) },
          loop: { count: 1, protocol: mqtt(), topic: 'fbsurvive/{run}/c', send: every('100ms'), payload: json(circular) },
          big: { count: 1, protocol: mqtt(), topic: 'fbsurvive/{run}/b', send: every('100ms'), payload: json(() => ({ n: 10n })) },
        },
      });`,
    );
    const out = outDir('payload');
    const r = await timed(['run', file, '--out', out, '-q', '-w', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(NO_STACK);
    const result = readResult(out);
    expect(result.run.partial).toBe(false);
    const errors = errorsOf(result, 'payload.error');
    expect(errors.map((e) => e.group)).toEqual(['big', 'loop', 'thrower']);
    expect(errors.find((e) => e.group === 'thrower')?.message).toContain('sensor offline 2');
    expect(errors.find((e) => e.group === 'loop')?.message).toMatch(/circular/i);
    expect(errors.find((e) => e.group === 'big')?.message).toMatch(/BigInt/);
    // Every failed payload is a dropped send (other drops, e.g. generator_behind on a busy machine,
    // have codes of their own); the thrower's others went out.
    for (const e of errors) {
      expect(result.codes[`${e.group}|dropped|payload_error`]).toBe(e.count);
      expect(result.fleets[e.group]?.messages.dropped).toBeGreaterThanOrEqual(e.count);
    }
    const thrower = result.fleets.thrower?.messages;
    const thrown = result.codes['thrower|dropped|payload_error'] ?? 0;
    expect(thrower?.sent).toBeGreaterThan(3);
    expect(Math.abs((thrower?.sent ?? 0) - thrown)).toBeLessThanOrEqual(1);
    expect(result.fleets.loop?.messages.sent).toBe(0);
  });
});

describe.concurrent('a folder that cannot be written at the end, through the executable', () => {
  it('goes to the OS temp folder, after the summary, with the run’s own exit code', async ({ expect }) => {
    const out = outDir('replaced');
    const r = await runReplacingOut('fallback-cli', out);
    expect(r.replaced).toBe(true);
    expect(r.code, r.stderr).toBe(0);
    const m = /fleetbench: could not write to (.+?) \((.+)\); results written to (.+)\n/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const [, dir, reason, folder] = m as unknown as [string, string, string, string];
    expect(dir).toBe(out);
    expect(reason).toMatch(/ENOTDIR|EEXIST/);
    expect(folder.startsWith(join(tmpdir(), 'fleetbench'))).toBe(true);
    try {
      const result = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as RunResult;
      expect(result.fleets.s?.messages.sent).toBeGreaterThan(0);
      expect(existsSync(join(folder, 'junit.xml'))).toBe(true);
      expect(existsSync(join(folder, 'report.html'))).toBe(true);
      // The summary was printed before the write failed.
      expect(r.stdout).toContain('s → o');
      expect(r.stdout).toContain(`results: ${join(folder, 'results.json')}`);
    } finally {
      rmSync(folder, { recursive: true, force: true });
      rmSync(out, { force: true });
    }
  });

  it('says the results are lost when the temp folder fails too, exit 1', async ({ expect }) => {
    const out = outDir('lost-cli');
    // A temp folder of its own where `fleetbench` is a file. The executable's compiler (tsx) caches
    // there too: its cache folder is linked to the usual one, so the start-up is not a cold compile.
    const blocker = outDir('tmp');
    mkdirSync(blocker);
    writeFileSync(join(blocker, 'fleetbench'), 'not a directory');
    const tsxCache = `tsx-${process.geteuid?.() ?? userInfo().username}`;
    mkdirSync(join(tmpdir(), tsxCache), { recursive: true });
    symlinkSync(join(tmpdir(), tsxCache), join(blocker, tsxCache));
    try {
      const r = await runReplacingOut('lost-cli', out, { TMPDIR: blocker });
      expect(r.replaced).toBe(true);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toContain('s → o');
      expect(r.stderr).toContain(
        `fleetbench: could not write to ${out} (ENOTDIR: not a directory, mkdir '${out}/lost-cli-`,
      );
      expect(r.stderr).toContain(
        ` nor to ${join(blocker, 'fleetbench')} (ENOTDIR: not a directory, mkdir '${join(blocker, 'fleetbench', 'lost-cli-')}`,
      );
      expect(r.stderr).toContain('; the results are lost, only the summary above remains');
      expect(r.stdout).not.toContain('results: ');
    } finally {
      rmSync(out, { force: true });
      rmSync(blocker, { recursive: true, force: true });
    }
  });
});

describe.concurrent('a worker that hangs, stopped by SIGTERM', () => {
  it('SIGTERM still ends a run whose payload function never returns, with a partial result', async ({ expect }) => {
    const file = writeScenario(
      'spin-signal',
      `export default defineScenario({
        name: 'spin-signal', duration: '60s', drain: '500ms',
        fleets: { s: { count: 2, protocol: mqtt(), topic: 'fbsurvive/{run}/{id}', send: every('100ms'),
          payload: json((c) => { if (c.id === 1 && c.seq === 3) for (;;) {} return {}; }) } },
      });`,
    );
    const out = outDir('spin-signal');
    let killedAt = 0;
    const r = await oneSpinnerAtATime(() =>
      timed(['run', file, '--out', out, '-w', '2'], (child) => {
        child.stdout?.on('data', () => undefined);
        child.stderr?.on('data', (d: Buffer) => {
          if (!killedAt && /\[\d+s\/60s\]/.test(d.toString())) {
            killedAt = Date.now();
            setTimeout(() => child.kill('SIGTERM'), 500);
          }
        });
      }),
    );
    expect(killedAt).toBeGreaterThan(0);
    // Short drain (500 ms) + the 5 s grace, then the stuck thread is terminated; generous for a busy machine.
    expect(Date.now() - killedAt).toBeLessThan(20_000);
    expect([1, 130]).toContain(r.code);
    const result = readResult(out);
    expect(result.run.partial).toBe(true);
    const crashed = errorsOf(result, 'worker.crashed');
    expect(crashed.map((e) => e.group)).toEqual(['s']);
    expect(crashed[0]?.message).toContain('was terminated');
    // Only the stuck worker was terminated: worker 0's shard was kept.
    expect(crashed[0]?.count).toBe(1);
    expect(result.fleets.s?.messages.sent).toBeGreaterThan(3);
  });
});
