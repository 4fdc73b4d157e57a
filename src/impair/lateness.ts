// How late the proxy's thread sent chunks after their due time: the accuracy floor of the
// link's delays, recorded so a result shows whether the machine kept up. 0.1 ms buckets to 100 ms.

const BUCKET_US = 100;
const BUCKETS = 1001;

/** `result.impairment.<target>.lateness`: ms after the due time (0 when on time or early). */
export interface Lateness {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class LatenessRecorder {
  private readonly buckets = new Uint32Array(BUCKETS);
  private count = 0;
  private maxUs = 0;

  record(lateUs: number): void {
    const us = Math.max(0, lateUs);
    const i = Math.min(BUCKETS - 1, Math.floor(us / BUCKET_US));
    this.buckets[i] = (this.buckets[i] ?? 0) + 1;
    this.count++;
    if (us > this.maxUs) this.maxUs = us;
  }

  summary(): Lateness {
    const at = (q: number): number => {
      const rank = Math.ceil(q * this.count);
      let seen = 0;
      for (let i = 0; i < BUCKETS; i++) {
        seen += this.buckets[i] as number;
        if (seen >= rank && rank > 0) return ((i + 1) * BUCKET_US) / 1000;
      }
      return 0;
    };
    return { count: this.count, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: Math.round(this.maxUs) / 1000 };
  }
}
