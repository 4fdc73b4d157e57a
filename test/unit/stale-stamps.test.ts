// Which received stamps belong to this run: the boundary that decides whether a message
// retained by an earlier run is mistaken for a delivery, or a real first send is discarded.
import { describe, expect, it } from 'vitest';
import { decodeStamp, writeStamp } from '../../src/metrics/stamp.ts';
import { fromThisRun } from '../../src/runner/receipts.ts';

describe('fromThisRun', () => {
  it('accepts the first send of the run even when its stamp rounded the start down', () => {
    const startUs = 5_000_000.4;
    const buf = Buffer.alloc(20);
    writeStamp(buf, { stream: 0, seq: 0, intendedUs: startUs, sentUs: startUs });
    const intended = decodeStamp(buf)!.intendedUs;
    expect(intended).toBeLessThan(startUs);
    expect(fromThisRun(intended, startUs)).toBe(true);
  });

  it('rejects stamps from before the run and anything before the start is known', () => {
    expect(fromThisRun(5_000_000 - 2_000_000, 5_000_000)).toBe(false);
    expect(fromThisRun(4_998_999, 5_000_000)).toBe(false);
    expect(fromThisRun(5_000_000, 0)).toBe(false);
    expect(fromThisRun(7_000_000, 5_000_000)).toBe(true);
  });
});
