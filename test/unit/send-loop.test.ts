// The open-model send loop: fires on intended times, never runs past the end of the send
// phase (backlog is dropped, not deferred), lasts the whole phase unless every sender is done.
import { describe, expect, it } from 'vitest';
import { nowUs } from '../../src/metrics/clock.ts';
import { runSendLoop, type Sender } from '../../src/runner/send-loop.ts';

class FakeSender implements Sender {
  fired: number[] = [];
  skipped = 0;
  constructor(
    public next: number,
    private readonly gapUs: number,
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {}
  advance(): boolean {
    if (this.fired.length >= this.limit) return false;
    this.next += this.gapUs;
    return true;
  }
}

const never = new AbortController().signal;

describe('runSendLoop', () => {
  it('fires every sender in intended-time order and stops at the end of the phase', async () => {
    // 10 sends each over 500 ms: only a stall of nearly the whole phase (a loaded machine's
    // worst) could leave the first ones to be skipped at its end instead of fired.
    const start = nowUs() + 5000;
    const a = new FakeSender(start, 50_000);
    const b = new FakeSender(start + 25_000, 50_000);
    const order: string[] = [];
    await runSendLoop(
      [a, b],
      start + 500_000,
      never,
      (s, t) => {
        s.fired.push(t);
        order.push(s === a ? 'a' : 'b');
      },
      (s, n) => (s.skipped += n),
    );
    expect(order.slice(0, 4)).toEqual(['a', 'b', 'a', 'b']);
    // Intended times are exactly the schedule's, never shifted by timer lateness.
    expect(a.fired.slice(0, 3)).toEqual([start, start + 50_000, start + 100_000]);
    expect(a.fired.length + a.skipped).toBe(10);
    expect(b.fired.length + b.skipped).toBe(10);
    expect(nowUs()).toBeGreaterThanOrEqual(start + 500_000);
  });

  it('drops the backlog of a generator that fell behind instead of running over', async () => {
    const start = nowUs();
    // 64 sends per microsecond for 50 ms (3.2 million): no event loop fires that many in time,
    // and every slot is accounted for. 1/64 is exact in binary, so the count is exact too.
    const s = new FakeSender(start, 1 / 64);
    await runSendLoop(
      [s],
      start + 50_000,
      never,
      (x, t) => x.fired.push(t),
      (x, n) => (x.skipped += n),
    );
    expect(s.skipped).toBeGreaterThan(0);
    expect(s.fired.length + s.skipped).toBe(50_000 * 64);
  });

  it('ends a catch-up that cannot finish: a gap below the clock resolution (every 0.000001us)', async () => {
    const start = nowUs();
    // 1e-6 µs is far below one ulp of an hrtime in µs (~1e-5): `next += gap` never moves, so
    // counting the backlog one slot at a time would never reach the end.
    const stuck = new FakeSender(start, 1e-6);
    const t0 = Date.now();
    await runSendLoop(
      [stuck],
      start + 20_000,
      never,
      (x, t) => x.fired.push(t),
      (x, n) => (x.skipped += n),
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(stuck.fired.length).toBeGreaterThan(0);
    expect(stuck.skipped).toBeGreaterThan(0);
  });

  it('extrapolates a backlog past its counting budget exactly for a constant interval', async () => {
    const start = nowUs();
    // 2,000 senders × 1 send per 1/64 µs for 20 ms: 2.56 billion slots, far past the budget of
    // 4 million counted steps; the rest is extrapolated from the gap, so the total stays exact.
    const senders = Array.from({ length: 2000 }, () => new FakeSender(start, 1 / 64));
    const t0 = Date.now();
    await runSendLoop(
      senders,
      start + 20_000,
      never,
      (x, t) => x.fired.push(t),
      (x, n) => (x.skipped += n),
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
    for (const s of senders) expect(s.fired.length + s.skipped).toBe(20_000 * 64);
  });

  it('ends early once every sender reached its message limit', async () => {
    const start = nowUs();
    const s = new FakeSender(start, 1000, 5);
    await runSendLoop(
      [s],
      start + 60_000_000,
      never,
      (x, t) => x.fired.push(t),
      (x, n) => (x.skipped += n),
    );
    expect(s.fired).toHaveLength(5);
    expect(nowUs()).toBeLessThan(start + 60_000_000);
  });

  it('lasts the whole phase when nothing is due (idle fleets, long intervals)', async () => {
    const start = nowUs();
    const slow = new FakeSender(start + 3_600_000_000, 3_600_000_000);
    await runSendLoop(
      [slow],
      start + 80_000,
      never,
      (x, t) => x.fired.push(t),
      (x, n) => (x.skipped += n),
    );
    expect(slow.fired).toHaveLength(0);
    expect(nowUs()).toBeGreaterThanOrEqual(start + 80_000);
    const t1 = nowUs();
    await runSendLoop(
      [],
      t1 + 50_000,
      never,
      () => undefined,
      () => undefined,
    );
    expect(nowUs()).toBeGreaterThanOrEqual(t1 + 50_000);
  });

  it('stops at once when aborted', async () => {
    const start = nowUs();
    const stop = new AbortController();
    const s = new FakeSender(start, 1000);
    setTimeout(() => stop.abort(), 20);
    await runSendLoop(
      [s],
      start + 60_000_000,
      stop.signal,
      (x, t) => x.fired.push(t),
      (x, n) => (x.skipped += n),
    );
    expect(nowUs()).toBeLessThan(start + 10_000_000);
    expect(s.fired.length).toBeGreaterThan(0);
  });
});
