// One monotonic microsecond clock for every thread of the process. process.hrtime reads
// CLOCK_MONOTONIC, which all worker threads share; performance.now() does not (its origin is
// per thread), so it must not be used for stamps.
//
// A shard of a run spread over machines reads the reference shard's clock instead: its own
// CLOCK_MONOTONIC plus the offset estimated against the reference (runner/clock-sync.ts), so
// stamps written on one machine and read on another measure end-to-end latency on one clock.
// The offset is per process (each thread sets it once from the run's task, before any stamp):
// one number, set when a run starts and reset when it ends, not state that varies during a run.
let offsetUs = 0;

/** Sets the offset (µs) added to this thread's readings: the reference's clock minus ours. */
export function setClockOffset(us: number): void {
  offsetUs = us;
}

/** The offset this thread's nowUs() adds (0 unless a sharded run set one). */
export function clockOffsetUs(): number {
  return offsetUs;
}

/** Microseconds on this machine's monotonic clock, without the offset (for the clock exchange itself). */
export function rawNowUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1_000_000 + ns / 1000;
}

/** Microseconds on the process-wide monotonic clock (fractional part kept), on the reference's clock when offset. */
export function nowUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1_000_000 + ns / 1000 + offsetUs;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
