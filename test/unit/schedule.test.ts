// Send schedules: the intended send times one device gets, in µs on the run clock. Open model:
// the schedule alone decides when a message is due, so these times are what latency is measured from.
import { describe, expect, it } from 'vitest';
import { createScheduler, type ResolvedSchedule, seededRandom } from '../../src/dsl/schedule.ts';

const SECOND = 1_000_000;
const START = 5 * SECOND;

function times(next: () => number, n: number): number[] {
  return Array.from({ length: n }, next);
}

/** Sends of one device in [from, to) µs after start, drawing until the schedule passes `to`. */
function sendsBetween(spec: ResolvedSchedule, from: number, to: number, index = 0, seed = 1): number {
  const next = createScheduler(spec, index, 1, 0, 0, seededRandom(seed));
  let count = 0;
  for (let t = next(); t < to; t = next()) if (t >= from) count++;
  return count;
}

describe('seededRandom', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = times(seededRandom(42), 100);
    expect(times(seededRandom(42), 100)).toEqual(a);
    expect(times(seededRandom(43), 100)).not.toEqual(a);
  });

  it('stays in [0, 1) and is spread evenly', () => {
    const values = times(seededRandom(9), 100_000);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
  });
});

describe("'every'", () => {
  const spec: ResolvedSchedule = { kind: 'every', intervalUs: 250_000, jitterUs: 0 };

  it('sends at exact multiples of the interval, with no drift after 1000 sends', () => {
    const t = times(createScheduler(spec, 0, 1, START, 0, seededRandom(1)), 1001);
    t.forEach((time, k) => {
      expect(time).toBe(START + k * 250_000);
    });
    expect((t[1000] ?? 0) - (t[0] ?? 0)).toBe(1000 * 250_000);
  });

  it('keeps each jittered send within ±jitter of its slot, and does jitter', () => {
    const jitterUs = 50_000;
    const t = times(createScheduler({ ...spec, jitterUs }, 0, 1, START, 0, seededRandom(3)), 1000);
    // Slots begin one jitter after the start, so no send is ever intended before the run starts.
    const slot = (k: number): number => START + jitterUs + k * 250_000;
    expect(Math.min(...t)).toBeGreaterThanOrEqual(START);
    const offsets = t.map((time, k) => time - slot(k));
    expect(offsets.every((o) => Math.abs(o) <= jitterUs)).toBe(true);
    expect(Math.max(...offsets)).toBeGreaterThan(jitterUs * 0.9);
    expect(Math.min(...offsets)).toBeLessThan(-jitterUs * 0.9);
    // Jitter does not accumulate: the 1000th send is still near its slot.
    expect(Math.abs((t[999] ?? 0) - slot(999))).toBeLessThanOrEqual(jitterUs);
  });

  it('spreads a fleet over the first interval: device 0 at the start, the others within one interval', () => {
    const firsts = Array.from({ length: 10 }, (_, i) => createScheduler(spec, i, 10, START, 0, seededRandom(1))());
    expect(firsts[0]).toBe(START);
    for (const f of firsts) {
      expect(f).toBeGreaterThanOrEqual(START);
      expect(f).toBeLessThan(START + spec.intervalUs);
    }
    expect(new Set(firsts).size).toBe(10);
    // Not bunched: some device starts in each half of the interval.
    expect(firsts.filter((f) => f >= START + spec.intervalUs / 2).length).toBeGreaterThanOrEqual(3);
    expect(firsts.filter((f) => f < START + spec.intervalUs / 2).length).toBeGreaterThanOrEqual(3);
  });

  it('staggers device starts linearly over the ramp-up', () => {
    const rampUs = 10 * SECOND;
    for (const i of [0, 1, 5, 9]) {
      const ramped = createScheduler(spec, i, 10, START, rampUs, seededRandom(1))();
      const unramped = createScheduler(spec, i, 10, START, 0, seededRandom(1))();
      expect(ramped - unramped).toBeCloseTo((rampUs * i) / 10, 6);
    }
  });

  it('does not ramp a single device', () => {
    expect(createScheduler(spec, 0, 1, START, 10 * SECOND, seededRandom(1))()).toBe(START);
  });
});

describe("'poisson'", () => {
  const spec: ResolvedSchedule = { kind: 'poisson', ratePerS: 20 };

  it('has a mean gap of 1/rate over 20000 draws (within 3%)', () => {
    const t = times(createScheduler(spec, 0, 1, START, 0, seededRandom(2024)), 20_001);
    const meanGap = ((t[20_000] ?? 0) - (t[0] ?? 0)) / 20_000;
    expect(Math.abs(meanGap - SECOND / 20) / (SECOND / 20)).toBeLessThan(0.03);
  });

  it('has exponential gaps: about 1/e of them longer than the mean', () => {
    const t = times(createScheduler(spec, 0, 1, START, 0, seededRandom(5)), 20_001);
    const gaps = t.slice(1).map((time, i) => time - (t[i] ?? 0));
    expect(gaps.every((g) => g > 0)).toBe(true);
    const longer = gaps.filter((g) => g > SECOND / 20).length / gaps.length;
    expect(Math.abs(longer - Math.exp(-1))).toBeLessThan(0.02);
  });

  it('is reproducible from the seed', () => {
    const a = times(createScheduler(spec, 3, 10, START, 0, seededRandom(77)), 50);
    expect(times(createScheduler(spec, 3, 10, START, 0, seededRandom(77)), 50)).toEqual(a);
    expect(times(createScheduler(spec, 3, 10, START, 0, seededRandom(78)), 50)).not.toEqual(a);
  });
});

describe("'stages'", () => {
  const ramp: ResolvedSchedule = {
    kind: 'stages',
    fromPerS: 0,
    stages: [{ targetPerS: 10, durationUs: 10 * SECOND }],
    poisson: false,
  };

  it('sends the area under a 0 → 10/s ramp over 10 s: ≈50 messages', () => {
    expect(Math.abs(sendsBetween(ramp, 0, 10 * SECOND) - 50)).toBeLessThanOrEqual(1);
  });

  it('ramps up: fewer sends in the first half than the second (area 12.5 vs 37.5)', () => {
    expect(Math.abs(sendsBetween(ramp, 0, 5 * SECOND) - 12.5)).toBeLessThanOrEqual(1);
    expect(Math.abs(sendsBetween(ramp, 5 * SECOND, 10 * SECOND) - 37.5)).toBeLessThanOrEqual(1);
  });

  it('holds the last target afterwards: ≈10/s, evenly spaced', () => {
    expect(Math.abs(sendsBetween(ramp, 10 * SECOND, 30 * SECOND) - 200)).toBeLessThanOrEqual(1);
    const next = createScheduler(ramp, 0, 1, 0, 0, seededRandom(1));
    const t = times(next, 200).filter((time) => time > 11 * SECOND);
    const gaps = t.slice(1).map((time, i) => time - (t[i] ?? 0));
    for (const g of gaps) expect(g).toBeCloseTo(SECOND / 10, 3);
  });

  it('draws Poisson arrivals along the ramp with the same expected count', () => {
    const poisson = { ...ramp, stages: [{ targetPerS: 100, durationUs: 100 * SECOND }], poisson: true };
    // Area of the ramp: 0.5 × 100/s × 100 s = 5000 messages.
    const n = sendsBetween(poisson, 0, 100 * SECOND, 0, 31);
    expect(Math.abs(n - 5000) / 5000).toBeLessThan(0.03);
  });

  it('starts from the `from` rate', () => {
    const flat: ResolvedSchedule = {
      kind: 'stages',
      fromPerS: 4,
      stages: [{ targetPerS: 4, durationUs: 10 * SECOND }],
      poisson: false,
    };
    expect(Math.abs(sendsBetween(flat, 0, 10 * SECOND) - 40)).toBeLessThanOrEqual(1);
  });

  it('sends nothing in a stage at rate 0 and resumes in the next', () => {
    const pause: ResolvedSchedule = {
      kind: 'stages',
      fromPerS: 5,
      stages: [
        { targetPerS: 5, durationUs: 2 * SECOND },
        { targetPerS: 0, durationUs: 1 },
        { targetPerS: 0, durationUs: 3 * SECOND },
        { targetPerS: 5, durationUs: 1 },
        { targetPerS: 5, durationUs: 2 * SECOND },
      ],
      poisson: false,
    };
    expect(sendsBetween(pause, 2.01 * SECOND, 5 * SECOND)).toBe(0);
    expect(Math.abs(sendsBetween(pause, 5 * SECOND, 7 * SECOND) - 10)).toBeLessThanOrEqual(1);
  });

  it('returns Infinity when the rate stays at 0 forever', () => {
    const idle: ResolvedSchedule = {
      kind: 'stages',
      fromPerS: 0,
      stages: [{ targetPerS: 0, durationUs: 10 * SECOND }],
      poisson: false,
    };
    const next = createScheduler(idle, 0, 1, START, 0, seededRandom(1));
    expect(next()).toBe(Number.POSITIVE_INFINITY);
  });

  // A per-device IoT rate is often slow: 0 → 6/h over an hour has an area of 3 messages, the first
  // due where ∫ r = 1, i.e. t = sqrt(2 × 3600 s / (6/h per s)) ≈ 2078.5 s.
  it('schedules sends on a slow ramp (0 → 6/h over 1 h)', () => {
    const slow: ResolvedSchedule = {
      kind: 'stages',
      fromPerS: 0,
      stages: [{ targetPerS: 6 / 3600, durationUs: 3600 * SECOND }],
      poisson: false,
    };
    const first = createScheduler(slow, 0, 1, 0, 0, seededRandom(1))();
    expect(first / SECOND).toBeCloseTo(Math.sqrt((2 * 3600) / (6 / 3600)), 0);
  });
});
