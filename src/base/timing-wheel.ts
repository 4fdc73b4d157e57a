// A hashed timing wheel: many coarse timers (keepalives, connect and close deadlines) on one
// timer of the runtime. Entries are intrusive (the scheduled object carries its own links), so
// scheduling allocates nothing; schedule and cancel are O(1); a tick visits one slot. Timers fire
// at the first tick at or after their deadline (up to one tick late), never early.

/** An object the wheel can hold: its links, and what to do when its time comes. */
export interface WheelEntry {
  wheelNext: WheelEntry | null;
  wheelPrev: WheelEntry | null;
  /** The slot it waits in, -1 when not scheduled. */
  wheelSlot: number;
  /** Full turns of the wheel still to wait in that slot. */
  wheelRounds: number;
  onWheel(): void;
}

/** The fields a new WheelEntry starts with. */
export const UNSCHEDULED = { wheelNext: null, wheelPrev: null, wheelSlot: -1, wheelRounds: 0 } as const;

/** A stand-alone timer on a wheel, for callers that do not carry the links themselves. */
export class WheelTimer implements WheelEntry {
  wheelNext: WheelEntry | null = null;
  wheelPrev: WheelEntry | null = null;
  wheelSlot = -1;
  wheelRounds = 0;
  constructor(readonly onWheel: () => void) {}
}

export class TimingWheel {
  private readonly heads: (WheelEntry | null)[];
  private cursor = 0;
  /** When the slot at the cursor was last processed (ms since the epoch). */
  private lastTick = 0;
  private count = 0;
  private interval: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly tickMs = 50,
    slots = 512,
    private readonly clock: () => number = Date.now,
  ) {
    this.heads = new Array<WheelEntry | null>(slots).fill(null);
  }

  /** Timers waiting. */
  get size(): number {
    return this.count;
  }

  /** Fires `entry` after at least `delayMs` (rescheduling it if it was waiting). */
  schedule(entry: WheelEntry, delayMs: number): void {
    if (entry.wheelSlot >= 0) this.cancel(entry);
    if (this.count === 0) this.start();
    const n = this.heads.length;
    // Ticks from the cursor's last processing time; the ticks already due but not yet processed count too.
    const behind = Math.max(0, Math.floor((this.clock() - this.lastTick) / this.tickMs));
    const ticks = Math.max(1, Math.ceil(delayMs / this.tickMs) + behind);
    const slot = (this.cursor + ticks) % n;
    entry.wheelRounds = Math.floor((ticks - 1) / n);
    entry.wheelSlot = slot;
    entry.wheelPrev = null;
    entry.wheelNext = this.heads[slot] ?? null;
    if (entry.wheelNext) entry.wheelNext.wheelPrev = entry;
    this.heads[slot] = entry;
    this.count++;
  }

  cancel(entry: WheelEntry): void {
    if (entry.wheelSlot < 0) return;
    if (entry.wheelPrev) entry.wheelPrev.wheelNext = entry.wheelNext;
    else this.heads[entry.wheelSlot] = entry.wheelNext;
    if (entry.wheelNext) entry.wheelNext.wheelPrev = entry.wheelPrev;
    entry.wheelNext = entry.wheelPrev = null;
    entry.wheelSlot = -1;
    if (--this.count === 0) this.stop();
  }

  /** Processes every tick that is due (the runtime's timer calls it; tests may too). */
  advance(): void {
    const now = this.clock();
    while (this.count > 0 && now - this.lastTick >= this.tickMs) {
      this.lastTick += this.tickMs;
      this.cursor = (this.cursor + 1) % this.heads.length;
      this.fireSlot(this.cursor);
    }
    if (this.count === 0) this.stop();
  }

  private fireSlot(slot: number): void {
    let due: WheelEntry | null = null;
    let e = this.heads[slot] ?? null;
    while (e) {
      const next = e.wheelNext;
      if (e.wheelRounds > 0) e.wheelRounds--;
      else {
        this.cancel(e);
        // Collected first, fired after: a callback may schedule into this very slot.
        e.wheelNext = due;
        due = e;
      }
      e = next;
    }
    while (due) {
      const next = due.wheelNext;
      due.wheelNext = null;
      due.onWheel();
      due = next;
    }
  }

  private start(): void {
    this.lastTick = this.clock();
    if (this.interval) return;
    this.interval = setInterval(() => this.advance(), this.tickMs);
    // The wheel never keeps a process alive: what waits on it holds a socket that does.
    this.interval.unref();
  }

  private stop(): void {
    if (!this.interval) return;
    clearInterval(this.interval);
    this.interval = undefined;
  }
}
