// Main-thread side of the worker boundary: one Piscina task per worker, each with its own
// MessagePort. Coordinates the barriers every worker must pass together (all servers up →
// connect the rest; all connected → common start time; all done sending → drain; all clients
// closed → close the server devices) and
// forwards snapshots. A worker that crashes or hangs costs its own shard only: the others are
// stopped and kept, and a worker blocked a grace period after a stop is terminated.
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { defaults } from '../base/defaults.ts';
import { errorMessage } from '../base/errors.ts';
import { nowUs } from '../metrics/clock.ts';
import type { Snapshot } from '../metrics/recorder.ts';
import type { MainMessage, ShardResult, ShardTask, WorkerMessage } from './protocol.ts';

export interface PoolRun {
  tasks: Omit<ShardTask, 'port' | 'worker'>;
  workers: number;
  signal: AbortSignal;
  onSnapshot(snapshot: Snapshot): void;
  onReady?(connected: number, failed: number): void;
  onStart?(atUs: number): void;
  /** Every worker has finished sending (schedule over or message limits reached). */
  onSent?(atUs: number): void;
  /** The scenario's drain: with the duration, when the run is planned to end. */
  drainMs: number;
  /** How long closing may take after the drain (a sleeping device's last report cycle ends within it). */
  closeMs: number;
  /** Time a worker gets to finish after a stop beyond its short drain (default STOP_GRACE_MS). */
  graceMs?: number;
  /**
   * --start-at: the common start of every shard (µs, this process's clock), instead of "as soon as
   * every worker is connected"; a shard connected too late starts at once. Receivers accept
   * stamps from `slackUs` before the common start: another shard's clock may be that far off.
   */
  startAt?: { atUs: number; slackUs: number };
  /** In a generator process (processes.ts): the run's barriers are global, passed by the coordinator. */
  barriers?: PoolBarriers;
}

/**
 * A pool inside one of several generator processes: when all of its workers reach a barrier, it
 * reports that and waits for the coordinator's answer (every process reached it) before it
 * lets its workers go on. Without barriers, the pool's own workers are the whole run.
 */
export interface PoolBarriers {
  /** Every local server device is up; resolves with the common connect origin. */
  serversUp(): Promise<number>;
  /** Every local worker connected; resolves with the common start time. */
  ready(connected: number, failed: number): Promise<number>;
  /** Every local worker finished sending; resolves when every process has. */
  sent(): Promise<void>;
  /** Every local worker closed its clients (or ended); resolves when every process has. */
  clientsClosed(): Promise<void>;
}

/** A worker whose shard is lost: it threw, or was terminated because it did not finish in time. */
export interface WorkerCrash {
  worker: number;
  message: string;
  /** Which devices it ran, when not the run's shard split by the run's workers (a generator process's worker, processes.ts). */
  slice?: { shard: { index: number; count: number }; worker: number; workers: number };
}

export interface PoolOutcome {
  /** The shards of the workers that finished, in worker order. */
  shards: ShardResult[];
  crashes: WorkerCrash[];
}

/**
 * After a stop (Ctrl-C, an abort, a crashed worker, or a run past its planned end), each worker
 * drains briefly and closes; one that has sent nothing for this long after its drain is
 * terminated (its event loop is blocked: its snapshot timer fires every second otherwise).
 */
export const STOP_GRACE_MS = 5000;

/** A worker still talking but not finished this long after a stop's drain is terminated too. */
const HARD_STOP_MS = 30_000;
/** How long the main thread waits for a finished worker's last snapshots on its port. */
const FINISH_WAIT_MS = 5000;

/** Delay between "every server is up" and the first client connect, so every worker gets the message first. */
const CONNECT_DELAY_US = 10_000;

/** Delay between "everyone is connected" and the common start, so all workers arm in time. */
const START_DELAY_US = 100_000;

/**
 * The worker's module: built (dist/), the shard runner itself, plain JavaScript; from the
 * TypeScript sources, worker-entry.js, which registers the loader first (threads do not inherit it).
 */
export function workerEntry(self: string): string {
  return self.endsWith('.ts') ? './worker-entry.js' : './worker.js';
}

/**
 * How long after now a run starting at `atUs` may last before it is stopped as past its planned
 * end: the wait for the start, the send phase, the drain, the close and a grace period.
 */
export function overrunMs(run: Pick<PoolRun, 'tasks' | 'drainMs' | 'closeMs' | 'graceMs'>, atUs: number): number {
  const waitMs = Math.max(0, (atUs - nowUs()) / 1000);
  return waitMs + run.tasks.durationMs + run.drainMs + run.closeMs + (run.graceMs ?? STOP_GRACE_MS);
}

export async function runPool(run: PoolRun): Promise<PoolOutcome> {
  const { workers, signal, barriers } = run;
  const graceMs = run.graceMs ?? STOP_GRACE_MS;
  const pool = new Piscina({
    filename: new URL(workerEntry(import.meta.url), import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: 1,
    idleTimeout: 1000,
  });
  const ports: MessagePort[] = [];
  const serversUp = new Set<number>();
  const ready = new Set<number>();
  const sent = new Set<number>();
  // A worker whose task ended (finished, crashed, terminated) has no client left either.
  const clientsClosed = new Set<number>();
  const closedClients = (worker: number): void => {
    if (clientsClosed.has(worker)) return;
    clientsClosed.add(worker);
    if (clientsClosed.size !== workers) return;
    if (barriers) void barriers.clientsClosed().then(() => broadcast({ type: 'closeServers' }));
    else broadcast({ type: 'closeServers' });
  };
  let connected = 0;
  let failed = 0;
  const broadcast = (m: MainMessage): void => {
    for (const p of ports) p.postMessage(m);
  };
  // A worker stuck in a loop never reads 'stop' and falls silent (its snapshot timer cannot fire):
  // after a stop, one silent for the grace period is terminated, alone (Piscina ends the thread
  // of an aborted task); one still talking, or not heard from yet (loading), gets HARD_STOP_MS.
  const heard: (number | undefined)[] = Array.from({ length: workers }, () => undefined);
  const kill: AbortController[] = Array.from({ length: workers }, () => new AbortController());
  const terminated = new Map<number, string>();
  const settledWorkers = new Set<number>();
  // Each worker's 'finished' marker, its last message on its port (see settle below).
  const finished = new Set<number>();
  let onFinished: (() => void) | undefined;
  let watch: NodeJS.Timeout | undefined;
  let stoppedAt = 0;
  const terminate = (worker: number, why: string): void => {
    if (settledWorkers.has(worker) || terminated.has(worker)) return;
    terminated.set(worker, why);
    kill[worker]?.abort();
  };
  const stop = (reason: string, drainMs: number): void => {
    broadcast({ type: 'stop', reason });
    if (watch) return;
    stoppedAt = Date.now();
    watch = setInterval(() => {
      const since = Date.now() - stoppedAt;
      if (since < drainMs + graceMs) return;
      for (let w = 0; w < workers; w++) {
        const last = heard[w];
        if (last !== undefined && Date.now() - last >= graceMs)
          terminate(w, `stopped answering (silent for ${graceMs / 1000} s after the stop's drain)`);
        else if (since >= drainMs + HARD_STOP_MS)
          terminate(w, `was still busy ${(drainMs + HARD_STOP_MS) / 1000} s after the stop`);
      }
    }, 250);
  };
  const afterStop = Math.min(run.drainMs, defaults.interruptDrainMs);
  const tasks: Promise<ShardResult>[] = [];
  let overrunTimer: NodeJS.Timeout | undefined;
  const start = (atUs: number): void => {
    run.onStart?.(atUs);
    // Other shards start at the common start (--start-at): their first messages are this run's even when this shard is late.
    const acceptFromUs = run.startAt ? Math.min(atUs, run.startAt.atUs) - run.startAt.slackUs : undefined;
    broadcast({ type: 'start', atUs, ...(acceptFromUs === undefined ? {} : { acceptFromUs }) });
    // A run must end: one still going a grace period after its planned end (send phase, drain) is stopped.
    overrunTimer = setTimeout(() => stop('past the planned end', afterStop), overrunMs(run, atUs));
  };
  const drain = (): void => {
    run.onSent?.(nowUs());
    broadcast({ type: 'drain' });
  };
  for (let worker = 0; worker < workers; worker++) {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1);
    port1.on('message', (m: WorkerMessage) => handle(m));
    const handle = (m: WorkerMessage): void => {
      heard[worker] = Date.now();
      if (m.type === 'snapshot') run.onSnapshot(m.snapshot);
      // A client in one worker may connect to a server device of another worker.
      else if (m.type === 'serversUp') {
        serversUp.add(m.worker);
        if (serversUp.size !== workers) return;
        // The common origin of the connect schedule (connect-pacing.ts): every worker's slot k is due at atUs + k / rate.
        if (barriers) void barriers.serversUp().then((atUs) => broadcast({ type: 'connect', atUs }));
        else broadcast({ type: 'connect', atUs: nowUs() + CONNECT_DELAY_US });
      } else if (m.type === 'ready') {
        ready.add(m.worker);
        connected += m.connected;
        failed += m.failed;
        if (ready.size !== workers) return;
        run.onReady?.(connected, failed);
        if (barriers) void barriers.ready(connected, failed).then(start);
        else start(Math.max(nowUs() + START_DELAY_US, run.startAt?.atUs ?? 0));
      } else if (m.type === 'sent') {
        sent.add(m.worker);
        if (sent.size !== workers) return;
        if (barriers) void barriers.sent().then(drain);
        else drain();
      } else if (m.type === 'clientsClosed') closedClients(m.worker);
      else if (m.type === 'finished') {
        finished.add(m.worker);
        onFinished?.();
      }
    };
    const task = pool.run(
      { ...run.tasks, worker, port: port2 },
      { transferList: [port2], signal: (kill[worker] as AbortController).signal },
    );
    tasks.push(
      task.finally(() => {
        // What the worker posted before its task ended may not have been dispatched yet (a busy
        // main thread): its last interval snapshots would be lost with the port, so read them now.
        for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1))
          handle(m.message as WorkerMessage);
        settledWorkers.add(worker);
        closedClients(worker);
      }),
    );
  }
  const onAbort = (): void => stop('interrupted', afterStop);
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  // One worker failing (e.g. its scenario import threw) must not leave the others waiting at a barrier.
  for (const t of tasks) t.catch(() => stop('a worker failed', afterStop));
  try {
    const settled = await Promise.allSettled(tasks);
    // A task's result comes over Piscina's own channel, its snapshots over its port: under load
    // the result can arrive while snapshots are still queued on the port, and closing the port
    // then would drop them (a run that sent messages would count none). Each task's end reads
    // what is queued (above); ports keep their order, so once a worker's 'finished' marker is in,
    // every snapshot it posted is too. A worker that crashed posts none: the wait is bounded.
    const done = settled.flatMap((s, worker) => (s.status === 'fulfilled' ? [worker] : []));
    if (done.some((w) => !finished.has(w)))
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FINISH_WAIT_MS);
        onFinished = () => {
          if (done.some((w) => !finished.has(w))) return;
          clearTimeout(timer);
          resolve();
        };
      });
    const shards: ShardResult[] = [];
    const crashes: WorkerCrash[] = [];
    settled.forEach((s, worker) => {
      if (s.status === 'fulfilled') shards.push(s.value);
      else {
        const why = terminated.get(worker);
        const message = why
          ? `${why} and was terminated (a payload function that never returns?)`
          : `crashed: ${errorMessage(s.reason)}`;
        crashes.push({ worker, message });
      }
    });
    return { shards, crashes };
  } finally {
    clearInterval(watch);
    clearTimeout(overrunTimer);
    signal.removeEventListener('abort', onAbort);
    for (const p of ports) p.close();
    await pool.destroy();
  }
}
