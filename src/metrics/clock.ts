// One monotonic microsecond clock for every thread of the process. process.hrtime reads
// CLOCK_MONOTONIC, which all worker threads share; performance.now() does not (its origin is
// per thread), so it must not be used for stamps.

/** Microseconds on the process-wide monotonic clock (fractional part kept). */
export function nowUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1_000_000 + ns / 1000;
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
