// Actions due at a time on the shared monotonic clock, kept in a binary heap with one timer for
// the earliest. Node's timers count whole milliseconds and fire up to about one late, so the
// timer is asked for half a millisecond less than the head's wait and actions within EARLY_US
// of their time run when it fires: the error is centred on zero instead of +0.5 ms. No busy
// waiting: spinning for the last fraction cost a core on a loaded machine and delayed everyone.
import { nowUs } from '../metrics/clock.ts';
import { LatenessRecorder } from './lateness.ts';

interface Entry {
  atUs: number;
  seq: number;
  run: () => void;
}

/** Actions this close to their time run now rather than waiting for another timer. */
const EARLY_US = 500;

export class TimerQueue {
  private readonly heap: Entry[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private closed = false;
  /** How late actions ran after their time. */
  readonly lateness = new LatenessRecorder();

  get size(): number {
    return this.heap.length;
  }

  at(atUs: number, run: () => void): void {
    if (this.closed) return;
    this.push({ atUs, seq: this.seq++, run });
    // Due already (no delay set): run it now, after anything due before it, rather than after a
    // timer's minimum of one millisecond.
    if (atUs <= nowUs() + EARLY_US) this.fire();
    else if (atUs < this.armedFor) this.arm();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.length = 0;
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const head = this.heap[0];
    if (!head) {
      this.armedFor = Number.POSITIVE_INFINITY;
      return;
    }
    this.armedFor = head.atUs;
    // Timers fire at whole milliseconds after their due time: ask for the whole milliseconds
    // short of the head, then finish the last fraction with setImmediate turns.
    const waitMs = Math.floor((head.atUs - nowUs()) / 1000) - 1;
    this.timer =
      waitMs >= 1
        ? setTimeout(() => this.fire(), waitMs)
        : (setImmediate(() => this.fire()) as unknown as NodeJS.Timeout);
  }

  private fire(): void {
    this.timer = undefined;
    const now = nowUs();
    const limit = now + EARLY_US;
    let head = this.heap[0];
    while (head && head.atUs <= limit) {
      this.pop();
      this.lateness.record(now - head.atUs);
      head.run();
      head = this.heap[0];
    }
    if (!this.closed) this.arm();
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, h[p] as Entry)) break;
      h[i] = h[p] as Entry;
      i = p;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && before(h[r] as Entry, h[l] as Entry) ? r : l;
      if (!before(h[c] as Entry, last)) break;
      h[i] = h[c] as Entry;
      i = c;
    }
    h[i] = last;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.atUs < b.atUs || (a.atUs === b.atUs && a.seq < b.seq);
}
