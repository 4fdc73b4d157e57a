// Connect pacing: intended times over the whole process, exact whatever each worker's share,
// and catch-up on a fake clock (no timing assertions).
import { describe, expect, it } from 'vitest';
import type { GroupPlan } from '../../src/dsl/plan.ts';
import {
  achievedPace,
  connectSlots,
  emptyStarts,
  intendedTimes,
  type PaceClock,
  paceConnects,
} from '../../src/runner/connect-pacing.ts';
import { ownedIndices } from '../../src/runner/slices.ts';

const group = (name: string, count: number): GroupPlan =>
  ({ name, index: 0, kind: 'fleet', count, protocol: 'mqtt', options: {}, receives: [] }) as unknown as GroupPlan;

const all = () => true;
const never = new AbortController().signal;

/** A clock that moves only when slept on, or when a connect "takes" time. */
function fakeClock(startUs: number): PaceClock & { t: number; sleeps: number[] } {
  const c = {
    t: startUs,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.t += ms * 1000;
    },
  };
  return c;
}

describe('connect schedule', () => {
  it('gives every device of the process one slot, dealt to workers as ownedIndices deals devices', () => {
    const groups = [group('a', 5), group('b', 4)];
    const w0 = connectSlots(groups, { index: 0, count: 1 }, 0, 2, all);
    const w1 = connectSlots(groups, { index: 0, count: 1 }, 1, 2, all);
    expect(w0).toEqual([0, 2, 4, 5, 7]);
    expect(w1).toEqual([1, 3, 6, 8]);
    // As many slots as devices the worker owns, in its device order.
    expect(w0.length).toBe(ownedIndices(groups[0] as GroupPlan, { index: 0, count: 1 }, 0, 2).length + 2);
    // A group that does not connect in this phase takes no slot.
    expect(connectSlots(groups, { index: 0, count: 1 }, 1, 2, (g) => g.name === 'b')).toEqual([1, 3]);
  });

  it('counts slots over this shard only (--shard i/n)', () => {
    const groups = [group('a', 10)];
    // Shard 1 of 2 runs devices 1, 3, 5, 7, 9: five slots, dealt over 2 workers.
    expect(connectSlots(groups, { index: 1, count: 2 }, 0, 2, all)).toEqual([0, 2, 4]);
    expect(connectSlots(groups, { index: 1, count: 2 }, 1, 2, all)).toEqual([1, 3]);
  });

  it('puts slot k at t0 + k / rate, so the workers together keep the rate exactly', () => {
    const groups = [group('a', 7), group('b', 3)];
    const times = [0, 1, 2].flatMap((w) =>
      intendedTimes(connectSlots(groups, { index: 0, count: 1 }, w, 3, all), 1_000_000, 2000),
    );
    expect(times.sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, k) => 1_000_000 + k * 500));
  });
});

describe('paceConnects', () => {
  it('starts each connect at its intended time, sleeping only until the next one', async () => {
    const clock = fakeClock(0);
    const at = [1000, 2000, 3000];
    const startedAt: number[] = [];
    const starts = emptyStarts();
    await paceConnects(at, () => startedAt.push(clock.t), never, starts, clock);
    expect(startedAt).toEqual([1000, 2000, 3000]);
    expect(clock.sleeps).toEqual([1, 1, 1]);
    expect(starts).toEqual({ count: 3, firstUs: 1000, lastUs: 3000 });
  });

  it('catches up: a slow connect does not move the ones after it, overdue ones start at once', async () => {
    const clock = fakeClock(0);
    const at = [0, 100, 200, 300, 5000];
    const startedAt: number[] = [];
    await paceConnects(
      at,
      (i) => {
        startedAt.push(clock.t);
        if (i === 0) clock.t += 350; // the first connect's synchronous part takes 350 µs
      },
      never,
      emptyStarts(),
      clock,
    );
    // Slots 1-3 were due during the slow one: all start right after it, none waits; slot 4 keeps its time.
    expect(startedAt).toEqual([0, 350, 350, 350, 5000]);
    expect(clock.sleeps).toEqual([4.65]);
  });

  it('starts nothing more after a stop', async () => {
    const clock = fakeClock(0);
    const stop = new AbortController();
    const started: number[] = [];
    await paceConnects(
      [0, 10, 20_000],
      (i) => {
        started.push(i);
        if (i === 1) stop.abort();
      },
      stop.signal,
      emptyStarts(),
      clock,
    );
    expect(started).toEqual([0, 1]);
    // Also within a batch of overdue ones.
    const stopNow = new AbortController();
    const batch: number[] = [];
    await paceConnects(
      [0, 0, 0],
      (i) => {
        batch.push(i);
        stopNow.abort();
      },
      stopNow.signal,
      emptyStarts(),
      fakeClock(0),
    );
    expect(batch).toEqual([0]);
  });

  it('reports the achieved rate over all workers from the first start to the last', () => {
    const pace = achievedPace(
      [{ count: 3, firstUs: 0, lastUs: 1_000_000 }, { count: 2, firstUs: 500_000, lastUs: 2_000_000 }, undefined],
      3,
    );
    expect(pace).toEqual({ requestedPerS: 3, achievedPerS: 2, connects: 5, spanMs: 2000 });
    expect(achievedPace([{ count: 1, firstUs: 5, lastUs: 5 }], 100)).toBeUndefined();
  });
});
