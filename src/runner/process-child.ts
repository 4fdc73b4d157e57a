// A generator process (forked by processes.ts): raises its open-file limit, runs one worker
// pool over its slice of the devices, and passes the pool's barriers, snapshots and final
// outcome to the coordinator over IPC. It never prints; the coordinator draws the one progress line.
import { errorMessage } from '../base/errors.ts';
import { setClockOffset } from '../metrics/clock.ts';
import { raiseOpenFileLimit } from './open-files.ts';
import { type PoolBarriers, runPool } from './pool.ts';
import type { ChildMessage, ChildRun, CoordinatorMessage } from './process-messages.ts';

function send(m: ChildMessage): void {
  if (process.connected) process.send?.(m);
}

/** One waiter per barrier: resolved by the coordinator's answer. */
function waiter<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve: (v: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function serve(run: ChildRun, stop: AbortController, answers: Answers): Promise<void> {
  // Report the local barrier, then wait for the coordinator's answer (every process reached it).
  const report = <T>(m: ChildMessage, answer: Promise<T>): Promise<T> => {
    send(m);
    return answer;
  };
  const barriers: PoolBarriers = {
    serversUp: () => report({ type: 'serversUp' }, answers.connect.promise),
    ready: (connected, failed) => report({ type: 'ready', connected, failed }, answers.start.promise),
    sent: () => report({ type: 'sent' }, answers.drain.promise),
    clientsClosed: () => report({ type: 'clientsClosed' }, answers.closeServers.promise),
  };
  let last: ChildMessage;
  try {
    const outcome = await runPool({
      ...run,
      signal: stop.signal,
      barriers,
      onSnapshot: (snapshot) => send({ type: 'snapshot', snapshot }),
    });
    last = { type: 'done', outcome };
  } catch (err) {
    last = { type: 'failed', message: errorMessage(err) };
  }
  // The channel closes once the outcome is written (the process then ends with its last handle).
  if (process.connected) process.send?.(last, () => process.connected && process.disconnect());
}

interface Answers {
  connect: ReturnType<typeof waiter<number>>;
  start: ReturnType<typeof waiter<number>>;
  drain: ReturnType<typeof waiter<void>>;
  closeServers: ReturnType<typeof waiter<void>>;
}

if (process.send) {
  raiseOpenFileLimit();
  const stop = new AbortController();
  const answers: Answers = { connect: waiter(), start: waiter(), drain: waiter(), closeServers: waiter() };
  // Ctrl-C reaches the whole process group: only the coordinator decides to stop (it sends 'stop').
  process.on('SIGINT', () => undefined);
  // A coordinator gone (it died) stops the process; what it measured cannot be reported anyway.
  process.on('disconnect', () => stop.abort());
  process.on('message', (m: CoordinatorMessage) => {
    if (m.type === 'run') {
      // A shard on another machine's clock (clock-sync.ts): this process reads it too.
      setClockOffset(m.run.tasks.clockOffsetUs ?? 0);
      void serve(m.run, stop, answers);
    } else if (m.type === 'connect') answers.connect.resolve(m.atUs);
    else if (m.type === 'start') answers.start.resolve(m.atUs);
    else if (m.type === 'drain') answers.drain.resolve();
    else if (m.type === 'closeServers') answers.closeServers.resolve();
    else if (m.type === 'stop') stop.abort();
  });
  send({ type: 'listening' });
}
