// The coordinator of several generator processes on one machine (`--processes N`): forks one
// process per slice (process-child.ts), each with its own worker pool, and passes the run's
// barriers across all of them, as runPool does across its workers: every server device up →
// connect; every device connected → one common start; everyone done sending → drain; every
// client closed → close the servers. Same interface and outcome as runPool, so the run picks one.
// CLOCK_MONOTONIC (metrics/clock.ts) is one clock for every process of the machine: the start
// time the coordinator gives means the same instant in each.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaults } from '../base/defaults.ts';
import { nowUs } from '../metrics/clock.ts';
import { overrunMs, type PoolOutcome, type PoolRun, type WorkerCrash } from './pool.ts';
import type { ChildMessage, CoordinatorMessage } from './process-messages.ts';
import type { ShardResult } from './protocol.ts';

export interface ProcessesRun extends PoolRun {
  processes: number;
}

/** Time from the last barrier report to the connect and the start: IPC hops cost more than a thread's. */
const CONNECT_DELAY_US = 50_000;
const START_DELAY_US = 250_000;

/** A process not gone this long after its outcome arrived, or after a stop's drain and the pool's own hard stop, is killed. */
const EXIT_GRACE_MS = 3000;
const HARD_STOP_MS = 45_000;

/** Process p of P under an outer shard i/n runs shard i + n·p of n·P: device d is its own iff d mod nP = i + n·p. */
export function processShard(
  shard: { index: number; count: number },
  p: number,
  processes: number,
): { index: number; count: number } {
  return { index: shard.index + shard.count * p, count: shard.count * processes };
}

/** The requested workers split over the processes, at least one each. */
export function workersPerProcess(workers: number, processes: number): number[] {
  return Array.from({ length: processes }, (_, p) =>
    Math.max(1, Math.floor(workers / processes) + (p < workers % processes ? 1 : 0)),
  );
}

/** The process module: built (dist/), plain JavaScript; from the sources, an entry that registers the loader first. */
function childEntry(self: string): string {
  return fileURLToPath(new URL(self.endsWith('.ts') ? './process-child-entry.js' : './process-child.js', self));
}

export async function runProcesses(run: ProcessesRun): Promise<PoolOutcome> {
  const { processes, signal } = run;
  const counts = workersPerProcess(run.workers, processes);
  const offsets = counts.map((_, p) => counts.slice(0, p).reduce((a, b) => a + b, 0));
  const shards = counts.map((_, p) => processShard(run.tasks.shard, p, processes));
  const children: ChildProcess[] = [];
  const reached = {
    serversUp: new Set<number>(),
    ready: new Set<number>(),
    sent: new Set<number>(),
    closed: new Set<number>(),
  };
  let connected = 0;
  let failed = 0;
  const broadcast = (m: CoordinatorMessage): void => {
    for (const c of children) if (c.connected) c.send(m);
  };
  const gone = new Set<number>();
  // A barrier is passed once every process still running has reached it.
  const passed = (set: Set<number>): boolean => children.every((_, p) => set.has(p) || gone.has(p));
  let overrunTimer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const stop = (reason: string): void => {
    broadcast({ type: 'stop', reason });
    if (stopped) return;
    stopped = true;
    const drainMs = Math.min(run.drainMs, defaults.interruptDrainMs);
    killTimer = setTimeout(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, drainMs + HARD_STOP_MS);
  };
  // Each barrier is answered once, when a process reached it and every other one did or is gone.
  const answered = new Set<keyof typeof reached>();
  const answer = (barrier: keyof typeof reached, reply: () => void): void => {
    const set = reached[barrier];
    if (answered.has(barrier) || set.size === 0 || !passed(set)) return;
    answered.add(barrier);
    reply();
  };
  const check = (): void => {
    answer('serversUp', () => broadcast({ type: 'connect', atUs: nowUs() + CONNECT_DELAY_US }));
    answer('ready', () => {
      run.onReady?.(connected, failed);
      // --start-at: the shard's common start, unless its processes connected too late for it.
      const atUs = Math.max(nowUs() + START_DELAY_US, run.startAt?.atUs ?? 0);
      run.onStart?.(atUs);
      broadcast({ type: 'start', atUs });
      // A run must end: one still going a grace period after its planned end is stopped (as in runPool).
      overrunTimer = setTimeout(() => stop('past the planned end'), overrunMs(run, atUs));
    });
    answer('sent', () => {
      run.onSent?.(nowUs());
      broadcast({ type: 'drain' });
    });
    answer('closed', () => broadcast({ type: 'closeServers' }));
  };
  const outcomes = counts.map((workers, p) => {
    const child = fork(childEntry(import.meta.url), [], {
      serialization: 'advanced',
      // The parent's loader and inspector flags are its own (a test runner's, tsx's): the entry brings what it needs.
      execArgv: process.execArgv.filter((a) => a.startsWith('--max-old-space-size')),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    return new Promise<PoolOutcome | string>((resolve) => {
      let outcome: PoolOutcome | string | undefined;
      let exitTimer: NodeJS.Timeout | undefined;
      child.on('message', (m: ChildMessage) => {
        if (m.type === 'listening') {
          child.send({
            type: 'run',
            run: {
              tasks: { ...run.tasks, shard: shards[p] ?? run.tasks.shard, workers },
              workers,
              drainMs: run.drainMs,
              closeMs: run.closeMs,
              ...(run.graceMs === undefined ? {} : { graceMs: run.graceMs }),
              ...(run.startAt === undefined ? {} : { startAt: run.startAt }),
            },
          } satisfies CoordinatorMessage);
          // A stop that came first is passed on once the process can hear it.
          if (stopped) child.send({ type: 'stop', reason: 'stopped before it started' } satisfies CoordinatorMessage);
        } else if (m.type === 'snapshot')
          run.onSnapshot({ ...m.snapshot, worker: m.snapshot.worker + (offsets[p] ?? 0) });
        else if (m.type === 'serversUp') reached.serversUp.add(p);
        else if (m.type === 'ready') {
          reached.ready.add(p);
          connected += m.connected;
          failed += m.failed;
        } else if (m.type === 'sent') reached.sent.add(p);
        else if (m.type === 'clientsClosed') reached.closed.add(p);
        else if (m.type === 'done' || m.type === 'failed') {
          outcome = m.type === 'done' ? m.outcome : `failed: ${m.message}`;
          // Its result is in: a process that lingers (a handle left open) is not waited for.
          exitTimer = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
        }
        check();
      });
      // A process that could not start (no pid) never exits; a send to one that is ending fails
      // here too, and its 'exit' follows.
      child.on('error', (err) => {
        if (child.pid !== undefined || gone.has(p)) return;
        gone.add(p);
        check();
        stop('a generator process failed');
        resolve(`could not start: ${err.message}`);
      });
      child.on('exit', (code, sig) => {
        clearTimeout(exitTimer);
        gone.add(p);
        check();
        if (outcome === undefined) {
          // A process lost mid-run: the others stop too (as the pool does for a worker), and keep what they measured.
          stop('a generator process failed');
          resolve(sig ? `was killed by ${sig}` : `exited with code ${code}`);
        } else resolve(outcome);
      });
    });
  });
  const onAbort = (): void => stop('interrupted');
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  try {
    const settled = await Promise.all(outcomes);
    const out: PoolOutcome = { shards: [], crashes: [] };
    settled.forEach((o, p) => {
      const offset = offsets[p] ?? 0;
      const workers = counts[p] ?? 1;
      const slice = (worker: number): WorkerCrash['slice'] => ({
        shard: shards[p] ?? run.tasks.shard,
        worker,
        workers,
      });
      const pid = children[p]?.pid;
      if (typeof o === 'string') {
        for (let w = 0; w < workers; w++)
          out.crashes.push({
            worker: offset + w,
            message: `(generator process ${p}, pid ${pid}) ${o}`,
            slice: slice(w),
          });
        return;
      }
      out.shards.push(
        ...o.shards.map(
          (s): ShardResult => ({
            ...s,
            worker: s.worker + offset,
            last: { ...s.last, worker: s.last.worker + offset },
          }),
        ),
      );
      out.crashes.push(...o.crashes.map((c) => ({ ...c, worker: c.worker + offset, slice: slice(c.worker) })));
    });
    return out;
  } finally {
    clearTimeout(overrunTimer);
    clearTimeout(killTimer);
    signal.removeEventListener('abort', onAbort);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}
