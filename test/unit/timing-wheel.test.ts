// The hashed timing wheel behind every MQTT deadline (src/base/timing-wheel.ts), on a clock the
// test moves by hand: never early, at most one tick late, O(1) cancel, timers beyond one turn.
import { afterEach, describe, expect, it } from 'vitest';
import { TimingWheel, WheelTimer } from '../../src/base/timing-wheel.ts';

describe('timing wheel', () => {
  let now = 1_000_000;
  const wheels: TimingWheel[] = [];
  const wheel = (tickMs = 10, slots = 8): TimingWheel => {
    const w = new TimingWheel(tickMs, slots, () => now);
    wheels.push(w);
    return w;
  };
  afterEach(() => {
    // Cancelling every timer stops each wheel's interval.
    for (const w of wheels.splice(0)) w.advance();
  });

  /** Moves the clock by `ms` in ticks, advancing the wheel after each tick. */
  function run(w: TimingWheel, ms: number): void {
    for (let t = 0; t < ms; t += w.tickMs) {
      now += w.tickMs;
      w.advance();
    }
  }

  it('fires each timer at the first tick at or after its deadline, including beyond one turn', () => {
    const w = wheel(10, 8);
    const start = now;
    const fired = new Map<string, number>();
    for (const [name, delay] of [
      ['a', 5],
      ['b', 10],
      ['c', 35],
      ['d', 80],
      ['e', 250],
    ] as const)
      w.schedule(new WheelTimer(() => fired.set(name, now - start)), delay);
    expect(w.size).toBe(5);
    run(w, 300);
    expect(Object.fromEntries(fired)).toEqual({ a: 10, b: 10, c: 40, d: 80, e: 250 });
    expect(w.size).toBe(0);
  });

  it('cancels and reschedules in place', () => {
    const w = wheel(10, 4);
    const start = now;
    const fired: number[] = [];
    const t = new WheelTimer(() => fired.push(now - start));
    const other = new WheelTimer(() => fired.push(-1));
    w.schedule(t, 30);
    w.schedule(other, 30);
    w.cancel(other);
    w.cancel(other);
    expect(w.size).toBe(1);
    w.schedule(t, 70);
    expect(w.size).toBe(1);
    run(w, 100);
    expect(fired).toEqual([70]);
  });

  it('lets a timer schedule itself again from its own callback', () => {
    const w = wheel(10, 4);
    const start = now;
    const fired: number[] = [];
    const t: WheelTimer = new WheelTimer(() => {
      fired.push(now - start);
      if (fired.length < 3) w.schedule(t, 20);
    });
    w.schedule(t, 20);
    run(w, 100);
    expect(fired).toEqual([20, 40, 60]);
  });

  it('never fires early after the clock jumped past several ticks', () => {
    const w = wheel(10, 8);
    const start = now;
    const fired: number[] = [];
    w.schedule(new WheelTimer(() => fired.push(now - start)), 15);
    now += 55;
    w.schedule(new WheelTimer(() => fired.push(now - start)), 20);
    w.advance();
    expect(fired).toEqual([55]);
    run(w, 40);
    expect(fired[1]).toBeGreaterThanOrEqual(75);
    expect(fired[1]).toBeLessThanOrEqual(85);
  });
});
