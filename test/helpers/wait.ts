// Waiting on conditions instead of on the clock. A test that sleeps "long enough" fails when the
// machine is busy and wastes time when it is not; a test that polls what it waits for is as fast
// as the machine allows and fails only when the condition never holds. The deadlines here are
// generous on purpose: they bound a broken test, they are not a performance requirement.
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The default overall deadline of a wait: far above what any condition here needs on a loaded machine. */
export const WAIT_TIMEOUT_MS = 30_000;

export interface WaitOptions {
  /** Overall deadline (default WAIT_TIMEOUT_MS); reaching it fails the test. */
  timeoutMs?: number;
  /** Time between two evaluations of the predicate (default 10 ms). */
  intervalMs?: number;
  /** What is awaited, for the failure message, e.g. 'every alert at the webhook'. */
  what?: string;
  /** The state so far, for the failure message (evaluated only when the wait fails). */
  detail?: () => unknown;
}

/**
 * Polls `predicate` until it returns a truthy value, and resolves with that value. Rejects after
 * `timeoutMs` with `what`, the time waited and `detail()`; a predicate that throws fails at once.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = WAIT_TIMEOUT_MS, intervalMs = 10, what, detail }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    const waited = Date.now() - started;
    if (waited >= timeoutMs) {
      const state = detail ? `; so far: ${format(detail())}` : '';
      throw new Error(`timed out after ${waited} ms waiting for ${what ?? predicate.toString()}${state}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function format(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export interface StallWatch {
  /** The longest this thread's event loop was blocked (timers and I/O callbacks ran late), in ms, so far. */
  readonly maxMs: number;
  /** Stops watching; returns the final maxMs. */
  stop(): number;
}

/**
 * Measures how late this thread's event loop ran while something happened, e.g. while datagrams
 * were timestamped on it. A timing assertion that is the point of a test adds this measured
 * lateness to its margin: on a quiet machine the bound stays tight, on a loaded one it widens by
 * exactly what the load cost, so the test still fails on a wrong protocol timer but not on a busy CPU.
 */
export function watchStalls(): StallWatch {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  let stopped: number | undefined;
  return {
    get maxMs() {
      return stopped ?? h.max / 1e6;
    },
    stop() {
      if (stopped === undefined) {
        h.disable();
        stopped = h.max / 1e6;
      }
      return stopped;
    },
  };
}
