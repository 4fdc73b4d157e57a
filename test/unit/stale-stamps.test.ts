// Which received stamps belong to this run: the boundary that decides whether a message
// retained by an earlier run, or sent by another run at the same time, is mistaken for a
// delivery, or a real first send is discarded.
import { describe, expect, it } from 'vitest';
import { decodeStamp, encodeStampText, runKey, writeStamp } from '../../src/metrics/stamp.ts';
import { fromThisRun } from '../../src/runner/receipts.ts';

describe('fromThisRun', () => {
  it('accepts the first send of the run even when its stamp rounded the start down', () => {
    const startUs = 5_000_000.4;
    const buf = Buffer.alloc(20);
    writeStamp(buf, { stream: 0, seq: 0, intendedUs: startUs, sentUs: startUs });
    const intended = decodeStamp(buf)!.intendedUs;
    expect(intended).toBeLessThan(startUs);
    expect(fromThisRun(intended, startUs, startUs + 10)).toBe(true);
  });

  it('rejects stamps from before the run, from the future, and anything before the start is known', () => {
    const now = 9_000_000;
    expect(fromThisRun(5_000_000 - 2_000_000, 5_000_000, now)).toBe(false);
    expect(fromThisRun(4_998_999, 5_000_000, now)).toBe(false);
    expect(fromThisRun(5_000_000, 0, now)).toBe(false);
    expect(fromThisRun(7_000_000, 5_000_000, now)).toBe(true);
    expect(fromThisRun(now + 1_001, 5_000_000, now)).toBe(false);
  });
});

describe('run keys', () => {
  const stamp = { stream: 3, seq: 7, intendedUs: 123_456_789_012, sentUs: 123_456_790_000 };

  it('round-trip with the same key, binary and text', () => {
    const key = runKey('a1b2c3');
    const buf = Buffer.alloc(20);
    writeStamp(buf, stamp, 0, key);
    expect(decodeStamp(buf, key)).toEqual(stamp);
    expect(decodeStamp(Buffer.from(`x${encodeStampText(stamp, key)}y`), key)).toEqual(stamp);
  });

  it("read with another run's key, a stamp falls outside that run's window", () => {
    const startUs = stamp.intendedUs - 60_000_000;
    const nowUs = stamp.intendedUs + 60_000_000;
    let accepted = 0;
    for (let i = 0; i < 500; i++) {
      const buf = Buffer.alloc(20);
      writeStamp(buf, stamp, 0, runKey(`other${i}`));
      const read = decodeStamp(buf, runKey('mine'));
      expect(read?.stream).toBe(3);
      if (fromThisRun(read!.intendedUs, startUs, nowUs)) accepted++;
    }
    expect(accepted).toBe(0);
    // The same stamp with the right key is accepted: the check can pass.
    const buf = Buffer.alloc(20);
    writeStamp(buf, stamp, 0, runKey('mine'));
    expect(fromThisRun(decodeStamp(buf, runKey('mine'))!.intendedUs, startUs, nowUs)).toBe(true);
  });
});
