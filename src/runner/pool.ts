// Main-thread side of the worker boundary: one Piscina task per worker, each with its own
// MessagePort. Coordinates the barriers every worker must pass together (all servers up →
// connect the rest; all connected → common start time; all done sending → drain) and
// forwards snapshots.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
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
}

/** Delay between "everyone is connected" and the common start, so all workers arm in time. */
const START_DELAY_US = 100_000;

export async function runPool(run: PoolRun): Promise<ShardResult[]> {
  const { workers, signal } = run;
  const pool = new Piscina({
    filename: new URL('./worker-entry.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: 1,
    idleTimeout: 1000,
  });
  const ports: MessagePort[] = [];
  const serversUp = new Set<number>();
  const ready = new Set<number>();
  const sent = new Set<number>();
  let connected = 0;
  let failed = 0;
  const broadcast = (m: MainMessage): void => {
    for (const p of ports) p.postMessage(m);
  };
  const tasks: Promise<ShardResult>[] = [];
  for (let worker = 0; worker < workers; worker++) {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1);
    port1.on('message', (m: WorkerMessage) => {
      if (m.type === 'snapshot') run.onSnapshot(m.snapshot);
      // A client in one worker may connect to a server device of another worker.
      else if (m.type === 'serversUp') {
        serversUp.add(m.worker);
        if (serversUp.size === workers) broadcast({ type: 'connect' });
      } else if (m.type === 'ready') {
        ready.add(m.worker);
        connected += m.connected;
        failed += m.failed;
        if (ready.size === workers) {
          run.onReady?.(connected, failed);
          const atUs = nowUs() + START_DELAY_US;
          run.onStart?.(atUs);
          broadcast({ type: 'start', atUs });
        }
      } else if (m.type === 'sent') {
        sent.add(m.worker);
        if (sent.size === workers) {
          run.onSent?.(nowUs());
          broadcast({ type: 'drain' });
        }
      }
    });
    tasks.push(pool.run({ ...run.tasks, worker, port: port2 }, { transferList: [port2] }));
  }
  const onAbort = (): void => broadcast({ type: 'stop', reason: 'interrupted' });
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  // One worker failing (e.g. its scenario import threw) must not leave the others waiting at a barrier.
  for (const t of tasks) t.catch(() => broadcast({ type: 'stop', reason: 'a worker failed' }));
  try {
    const settled = await Promise.allSettled(tasks);
    const failure = settled.find((s) => s.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;
    return settled.map((s) => (s as PromiseFulfilledResult<ShardResult>).value);
  } finally {
    signal.removeEventListener('abort', onAbort);
    for (const p of ports) p.close();
    await pool.destroy();
  }
}
