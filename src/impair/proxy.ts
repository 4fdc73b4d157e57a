// The run's handle on one impairment proxy: starts its thread, tells it when the send phase
// starts, and stops it for its counts. Exported as the whole of src/impair's public interface.
import { Worker } from 'node:worker_threads';
import type { ProxyInit, ProxyReply } from './messages.ts';
import type { ImpairmentResult, ImpairSpec, Transport } from './spec.ts';

export interface ImpairProxy {
  /** Where clients connect instead of the target. */
  host: string;
  port: number;
  /** The send phase started at `atUs` (metrics/clock.ts nowUs): blackholes and resets count from there. */
  start(atUs: number): void;
  /** Stops forwarding, closes every socket and returns what crossed the link. */
  stop(): Promise<ImpairmentResult>;
}

export interface ProxyOptions {
  spec: ImpairSpec;
  transport: Transport;
  target: { host: string; port: number };
  seed: number;
}

const LISTEN_HOST = '127.0.0.1';
const STOP_TIMEOUT_MS = 5000;

export async function startImpairProxy(options: ProxyOptions): Promise<ImpairProxy> {
  const init: ProxyInit = { ...options, listenHost: LISTEN_HOST };
  // Built (dist/), the proxy module itself; from the TypeScript sources, the entry that registers tsx.
  const entry = import.meta.url.endsWith('.ts') ? './worker-entry.js' : './worker.js';
  const worker = new Worker(new URL(entry, import.meta.url), { workerData: init });
  const replies: ProxyReply[] = [];
  let waiting: ((r: ProxyReply) => void) | undefined;
  const next = (): Promise<ProxyReply> =>
    new Promise((resolve) => {
      const r = replies.shift();
      if (r) resolve(r);
      else waiting = resolve;
    });
  const deliver = (r: ProxyReply): void => {
    const w = waiting;
    waiting = undefined;
    if (w) w(r);
    else replies.push(r);
  };
  worker.on('message', deliver);
  worker.on('error', (err) => deliver({ type: 'failed', message: err.message }));
  worker.on('exit', (code) => deliver({ type: 'failed', message: `the proxy thread exited (code ${code})` }));
  const first = await next();
  if (first.type !== 'listening') {
    await worker.terminate();
    throw new Error(`impairment proxy: ${first.type === 'failed' ? first.message : 'no answer'}`);
  }
  const upstream = `${options.target.host.includes(':') ? `[${options.target.host}]` : options.target.host}:${options.target.port}`;
  let stopped: Promise<ImpairmentResult> | undefined;
  return {
    host: LISTEN_HOST,
    port: first.port,
    start: (atUs) => worker.postMessage({ type: 'start', atUs }),
    stop: () => {
      stopped ??= (async () => {
        worker.postMessage({ type: 'stop' });
        // A thread that does not answer (blocked) must not hold the run's end: it is ended anyway.
        let timer: NodeJS.Timeout | undefined;
        const r = await Promise.race([
          next(),
          new Promise<ProxyReply>((resolve) => {
            timer = setTimeout(() => resolve({ type: 'failed', message: 'no answer to stop' }), STOP_TIMEOUT_MS);
          }),
        ]).finally(() => clearTimeout(timer));
        await worker.terminate();
        if (r.type !== 'stopped') throw new Error(`impairment proxy: ${r.type === 'failed' ? r.message : 'no counts'}`);
        return {
          transport: options.transport,
          upstream,
          spec: options.spec,
          blackholedMs: r.blackholedMs,
          lateness: r.lateness,
          ...(r.stream ? { stream: r.stream } : {}),
          ...(r.datagram ? { datagram: r.datagram } : {}),
        };
      })();
      return stopped;
    },
  };
}
