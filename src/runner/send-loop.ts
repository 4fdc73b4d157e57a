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

/**
 * Fire due sends at most this early (µs): timers are millisecond-grained, and waiting for the
 * exact microsecond would cost another timer turn. Measured on the 2-core machine (every 10 ms,
 * 20 senders, 2 s): with it, 17% of sends fired early, by at most 248 µs, and the median send
 * was 450-480 µs late; without it none fired early and the median was 750 µs late. An early
 * send must not shorten a latency: its stamp's intended time is the time it actually went out
 * (shard.ts stamps min(intended, sent)), so latency from the intended time is never below
 * latency from the send. Send lateness still records the schedule's intended time.
 */
const EARLY_SLACK_US = 250;
/** Yield to I/O after this many sends in one tick so acks and deliveries keep flowing. */
const BATCH = 1000;
/**
 * Backlog slots counted one by one at the end of the phase, over all senders, before the rest is
 * extrapolated from the mean gap seen so far. Counting used to be unbounded: a schedule whose gap
 * is below the clock's float resolution (every('0.000001us') on an hrtime of ~10^11 µs) advanced
 * by zero or one ulp per step and never reached the end. 4 million steps take well under a second.
 */
const SKIP_BUDGET = 4_000_000;
/** Every sender is sampled at least this often, however many there are, so the estimate has a mean. */
const SKIP_SAMPLE = 64;
/** Counting steps per event-loop turn at the end, so an abort (and I/O) still gets in. */
const SKIP_SLICE = 100_000;

/**
 * Fires every sender's sends until `endUs` on the wall clock. A generator that fell behind
 * does not run over: sends still due at the end are handed to `skip` (counted as dropped).
 * Ends early only when every sender has reached its message limit; otherwise the phase lasts
 * until `endUs` even when nothing more is due (idle fleets, long intervals).
 */
export function runSendLoop<S extends Sender>(
  senders: S[],
  endUs: number,
  signal: AbortSignal,
  fire: (sender: S, intendedUs: number) => void,
  skip: (sender: S, count: number) => void,
): Promise<void> {
  const heap = new MinHeap<S>();
  for (const s of senders) if (s.next < endUs) heap.push(s);
  let exhausted = 0;
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
      if (now >= endUs) {
        skipBacklog(heap, endUs, signal, skip, finish);
        return;
      }
      let fired = 0;
      for (let top = heap.peek(); top && top.next <= now + EARLY_SLACK_US; top = heap.peek()) {
        heap.pop();
        fire(top, top.next);
        if (!top.advance()) exhausted++;
        else if (top.next < endUs) heap.push(top);
        if (++fired >= BATCH) {
          // setImmediate runs after the I/O poll: acks and deliveries get in between batches.
          setImmediate(tick);
          return;
        }
      }
      const top = heap.peek();
      if (!top && senders.length > 0 && exhausted === senders.length) {
        finish();
        return;
      }
      timer = setTimeout(tick, Math.max(0, (Math.min(top?.next ?? endUs, endUs) - nowUs()) / 1000));
    };
    if (signal.aborted) return finish();
    tick();
  });
}

/**
 * Hands every sender's sends still due before `endUs` to `skip`, in slices of SKIP_SLICE steps
 * per event-loop turn. Past a per-sender share of SKIP_BUDGET the remainder is extrapolated from
 * the mean gap: exact for a constant interval, an estimate for Poisson gaps, never a hang.
 */
function skipBacklog<S extends Sender>(
  heap: MinHeap<S>,
  endUs: number,
  signal: AbortSignal,
  skip: (sender: S, count: number) => void,
  done: () => void,
): void {
  const cap = Math.max(SKIP_SAMPLE, Math.floor(SKIP_BUDGET / Math.max(1, heap.size)));
  const slice = (): void => {
    let steps = 0;
    for (let top = heap.pop(); top; top = heap.pop()) {
      if (signal.aborted) return;
      const first = top.next;
      let behind = 0;
      let more = true;
      while (top.next < endUs && behind < cap) {
        behind++;
        if (!top.advance()) {
          more = false;
          break;
        }
      }
      if (more && top.next < endUs) {
        const gap = (top.next - first) / behind;
        // A gap of zero (stuck below float resolution) cannot be extrapolated: count what was seen.
        if (gap > 0 && Number.isFinite(gap)) behind += Math.ceil((endUs - top.next) / gap);
      }
      if (behind > 0) skip(top, behind);
      steps += Math.min(behind, cap);
      if (steps >= SKIP_SLICE) {
        setImmediate(slice);
        return;
      }
    }
    done();
  };
  slice();
}

class MinHeap<T extends { next: number }> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

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
