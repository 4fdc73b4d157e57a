// The proxy's own thread: the link's delays are timed here, away from the main thread's
// aggregation, so a busy main thread does not stretch them. One thread per impaired target.
import { parentPort, workerData } from 'node:worker_threads';
import { nowUs } from '../metrics/clock.ts';
import { DatagramProxy } from './datagram.ts';
import { seededRandom, Windows } from './link.ts';
import type { ProxyInit, ProxyReply, ProxyRequest } from './messages.ts';
import { StreamProxy } from './stream.ts';
import { TimerQueue } from './timer-queue.ts';

const init = workerData as ProxyInit;
const port = parentPort;
if (!port) throw new Error('the impairment proxy runs on a worker thread');
const send = (m: ProxyReply): void => port.postMessage(m);

const queue = new TimerQueue();
const windows = new Windows(init.spec);
const random = seededRandom(init.seed);
const proxy =
  init.transport === 'tcp'
    ? new StreamProxy(init.spec, init.target, random, windows, queue)
    : new DatagramProxy(init.spec, init.target, random, windows, queue);
const timers: NodeJS.Timeout[] = [];
let stoppedUs: number | undefined;

function start(atUs: number): void {
  windows.start(atUs);
  const later = (ms: number, run: () => void): void => {
    timers.push(setTimeout(run, Math.max(0, atUs / 1000 + ms - nowUs() / 1000)));
  };
  // Resets and window starts need no sub-millisecond timing: they are events, not delays.
  if (proxy instanceof StreamProxy) {
    for (const ms of init.spec.resetsAtMs) later(ms, () => proxy.reset());
    for (const b of init.spec.blackholes) later(b.atMs, () => proxy.blackholeBegins());
  }
}

async function stop(): Promise<void> {
  stoppedUs ??= nowUs();
  for (const t of timers) clearTimeout(t);
  queue.close();
  await proxy.close();
  const blackholedMs = windows.elapsedMs(stoppedUs);
  const lateness = queue.lateness.summary();
  send(
    proxy instanceof StreamProxy
      ? { type: 'stopped', blackholedMs, lateness, stream: proxy.stats }
      : { type: 'stopped', blackholedMs, lateness, datagram: proxy.stats },
  );
  port?.close();
}

port.on('message', (m: ProxyRequest) => {
  if (m.type === 'start') start(m.atUs);
  else void stop();
});

proxy.listen(init.listenHost).then(
  (listening) => send({ type: 'listening', port: listening }),
  (err: Error) => send({ type: 'failed', message: err.message }),
);
