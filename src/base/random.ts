// The one seeded PRNG of the project (mulberry32, after Tommy Ettinger's public-domain
// generator): schedules, payloads, jitter, reconnect backoff and impairment all follow a run's
// seed through it, so a run is reproducible from its seed.

export type Random = () => number;

/** A deterministic generator of numbers in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
