// The open-model send loop of one worker: a min-heap of devices keyed by their next intended
// send time and a single timer. Sends fire at (or after) their intended time; lateness never
// shifts the schedule, it shows up as latency measured from the intended time.
import { nowUs } from '../metrics/clock.ts';

export interface Sender {
  /** Next intended send time (µs). */
  next: number;
  /** Advances `next`; returns false when the device has nothing more to send. */
  advance(): boolean;
}

/** Fire due sends at most this early (µs): timers are millisecond-grained. */
const EARLY_SLACK_US = 250;
/** Yield to I/O after this many sends in one tick so acks and deliveries keep flowing. */
const BATCH = 1000;

export function runSendLoop<S extends Sender>(senders: S[], endUs: number, signal: AbortSignal, fire: (sender: S, intendedUs: number) => void): Promise<void> {
  const heap = new MinHeap<S>();
  for (const s of senders) if (s.next < endUs) heap.push(s);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    };
    signal.addEventListener('abort', finish, { once: true });
    const tick = (): void => {
      timer = undefined;
      if (signal.aborted) return;
      const now = nowUs();
      let fired = 0;
      for (let top = heap.peek(); top && top.next <= now + EARLY_SLACK_US; top = heap.peek()) {
        heap.pop();
        fire(top, top.next);
        if (top.advance() && top.next < endUs) heap.push(top);
        if (++fired >= BATCH) {
          timer = setTimeout(tick, 0);
          return;
        }
      }
      const top = heap.peek();
      if (!top) return finish();
      timer = setTimeout(tick, Math.max(0, (top.next - nowUs()) / 1000));
    };
    if (signal.aborted) return finish();
    tick();
  });
}

class MinHeap<T extends { next: number }> {
  private readonly items: T[] = [];

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((a[parent] as T).next <= item.next) break;
      a[i] = a[parent] as T;
      i = parent;
    }
    a[i] = item;
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && (a[r] as T).next < (a[l] as T).next ? r : l;
      if ((a[c] as T).next >= last.next) break;
      a[i] = a[c] as T;
      i = c;
    }
    a[i] = last;
    return top;
  }
}
