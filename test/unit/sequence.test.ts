// Sequence tracking per (stream, receiver): exact counts of received, unique, duplicated and
// out-of-order messages, and the exact union of what several group members saw.
import { describe, expect, it } from 'vitest';
import { type SeqCounts, type SeqOutcome, SeqTracker, unionSeenCount } from '../../src/metrics/sequence.ts';

function track(seqs: readonly number[]): { tracker: SeqTracker; outcomes: SeqOutcome[] } {
  const tracker = new SeqTracker();
  const outcomes = seqs.map((s) => tracker.record(s));
  return { tracker, outcomes };
}

function countsOf(seqs: readonly number[]): SeqCounts {
  return track(seqs).tracker.counts();
}

describe('SeqTracker counts', () => {
  it('starts empty', () => {
    expect(new SeqTracker().counts()).toEqual({ received: 0, unique: 0, duplicated: 0, outOfOrder: 0, maxSeq: -1 });
  });

  it('counts an in-order stream', () => {
    expect(countsOf([0, 1, 2, 3, 4])).toEqual({ received: 5, unique: 5, duplicated: 0, outOfOrder: 0, maxSeq: 4 });
  });

  it('exposes a gap as loss: expected (maxSeq + 1) minus unique', () => {
    const counts = countsOf([0, 1, 3, 4, 7]);
    expect(counts).toEqual({ received: 5, unique: 5, duplicated: 0, outOfOrder: 0, maxSeq: 7 });
    const expected = counts.maxSeq + 1;
    expect(expected - counts.unique).toBe(3);
  });

  it('counts duplicates, which never add to unique', () => {
    const { tracker, outcomes } = track([0, 1, 1, 2, 2, 2]);
    expect(tracker.counts()).toEqual({ received: 6, unique: 3, duplicated: 3, outOfOrder: 0, maxSeq: 2 });
    expect(outcomes).toEqual(['new', 'new', 'duplicate', 'new', 'duplicate', 'duplicate']);
  });

  it('counts a reordered message once as out of order: 0,2,1,3', () => {
    const { tracker, outcomes } = track([0, 2, 1, 3]);
    expect(tracker.counts()).toEqual({ received: 4, unique: 4, duplicated: 0, outOfOrder: 1, maxSeq: 3 });
    expect(outcomes).toEqual(['new', 'new', 'reordered', 'new']);
  });

  it('counts a duplicate of a reordered message as a duplicate, not as reordered again', () => {
    const { tracker, outcomes } = track([0, 2, 1, 1, 3]);
    expect(tracker.counts()).toEqual({ received: 5, unique: 4, duplicated: 1, outOfOrder: 1, maxSeq: 3 });
    expect(outcomes[3]).toBe('duplicate');
  });

  it('counts a fully reversed stream: all but the first are out of order', () => {
    expect(countsOf([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])).toEqual({
      received: 10,
      unique: 10,
      duplicated: 0,
      outOfOrder: 9,
      maxSeq: 9,
    });
  });

  it('counts a duplicate of the first message, seq 0', () => {
    expect(countsOf([0, 0])).toEqual({ received: 2, unique: 1, duplicated: 1, outOfOrder: 0, maxSeq: 0 });
  });

  it('grows for large sequence numbers and still knows the small ones', () => {
    const { tracker } = track([0, 5, 100_000, 100_000, 99_999, 1_000_003]);
    expect(tracker.counts()).toEqual({ received: 6, unique: 5, duplicated: 1, outOfOrder: 1, maxSeq: 1_000_003 });
    for (const seq of [0, 5, 99_999, 100_000, 1_000_003]) expect(tracker.has(seq)).toBe(true);
    for (const seq of [1, 4, 6, 99_998, 100_001, 1_000_002, 1_000_004, 50_000_000])
      expect(tracker.has(seq)).toBe(false);
  });

  it('stays exact over a long stream with every tenth message repeated', () => {
    const seqs: number[] = [];
    for (let s = 0; s < 50_000; s++) {
      seqs.push(s);
      if (s % 10 === 0) seqs.push(s);
    }
    expect(countsOf(seqs)).toEqual({
      received: 55_000,
      unique: 50_000,
      duplicated: 5_000,
      outOfOrder: 0,
      maxSeq: 49_999,
    });
  });
});

describe('unionSeenCount', () => {
  function seen(seqs: readonly number[]): string {
    return track(seqs).tracker.encodeSeen();
  }

  it('counts the exact union of overlapping subsets seen by several members', () => {
    const a = [0, 1, 2, 3, 10, 11];
    const b = [2, 3, 4, 5, 11, 12];
    const c = [5, 6, 7, 100, 1000];
    const union = new Set([...a, ...b, ...c]);
    expect(unionSeenCount([seen(a), seen(b), seen(c)])).toBe(union.size);
    expect(union.size).toBe(13);
  });

  it('counts the split of one stream across members without double counting duplicates', () => {
    // A shared subscription: even seqs to one member, odd to another, a redelivered 7 to both.
    const even = Array.from({ length: 500 }, (_, i) => 2 * i);
    const odd = [...Array.from({ length: 500 }, (_, i) => 2 * i + 1), 7];
    const third = [7, 7, 998];
    expect(unionSeenCount([seen(even), seen(odd), seen(third)])).toBe(1000);
  });

  it('does not depend on the order of the members', () => {
    const sets = [seen([1, 2, 3]), seen([50_000]), seen([3, 4, 60])];
    expect(unionSeenCount(sets)).toBe(6);
    expect(unionSeenCount([...sets].reverse())).toBe(6);
  });

  it('counts nothing for empty trackers or no trackers', () => {
    expect(new SeqTracker().encodeSeen()).toBe('');
    expect(unionSeenCount([])).toBe(0);
    expect(unionSeenCount([new SeqTracker().encodeSeen(), new SeqTracker().encodeSeen()])).toBe(0);
    expect(unionSeenCount([new SeqTracker().encodeSeen(), seen([4, 9])])).toBe(2);
  });

  it('ships only the bytes up to maxSeq, whatever the tracker grew to', () => {
    const { tracker } = track([100_000]);
    expect(Buffer.from(tracker.encodeSeen(), 'base64')).toHaveLength((100_000 >>> 3) + 1);
    expect(Buffer.from(seen([0, 7]), 'base64')).toHaveLength(1);
    expect(Buffer.from(seen([8]), 'base64')).toHaveLength(2);
  });
});
