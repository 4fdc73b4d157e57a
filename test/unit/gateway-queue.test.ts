// The gateway's bounded queue and path counters: refusal instead of growth, FIFO order across
// the ring's wrap, the high-water mark, and the webhook's topic header encoding.
import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../../src/gateway/queue.ts';
import { PathCounters } from '../../src/gateway/stats.ts';
import { topicHeaderValue } from '../../src/gateway/webhook.ts';

describe('BoundedQueue', () => {
  it('refuses beyond its capacity and keeps FIFO order across the wrap', () => {
    const q = new BoundedQueue<number>(3);
    expect([q.offer(1), q.offer(2), q.offer(3), q.offer(4)]).toEqual([true, true, true, false]);
    expect(q.poll()).toBe(1);
    expect(q.offer(5)).toBe(true);
    expect(q.free).toBe(0);
    expect([q.poll(), q.poll(), q.poll(), q.poll()]).toEqual([2, 3, 5, undefined]);
    expect(q.highWater).toBe(3);
  });

  it('unshift puts an item back at the front, within the capacity', () => {
    const q = new BoundedQueue<string>(2);
    q.offer('b');
    expect(q.unshift('a')).toBe(true);
    expect(q.unshift('z')).toBe(false);
    expect([q.poll(), q.poll()]).toEqual(['a', 'b']);
  });

  it('clear reports how many items it dropped', () => {
    const q = new BoundedQueue<number>(4);
    q.offer(1);
    q.offer(2);
    expect(q.clear()).toBe(2);
    expect(q.length).toBe(0);
    expect(q.highWater).toBe(2);
  });
});

describe('PathCounters', () => {
  it('snapshots counts, queue depth and details', () => {
    const q = new BoundedQueue<number>(10);
    const c = new PathCounters(q);
    q.offer(1);
    c.received = 3;
    c.forwarded = 1;
    c.overflow = 1;
    c.count('status_503', 2);
    expect(c.idle).toBe(false);
    expect(c.snapshot()).toEqual({
      received: 3,
      forwarded: 1,
      failed: 0,
      overflow: 1,
      refused: 0,
      abandoned: 0,
      queued: 1,
      inFlight: 0,
      queueHighWater: 1,
      queueCapacity: 10,
      details: { status_503: 2 },
    });
  });
});

describe('webhook topic header', () => {
  it('keeps visible ASCII topics as they are and percent-encodes the rest, keeping /', () => {
    expect(topicHeaderValue('alerts/site-1/temp')).toBe('alerts/site-1/temp');
    expect(topicHeaderValue('alerts/température haute')).toBe('alerts/temp%C3%A9rature%20haute');
    expect(topicHeaderValue('alerts/100%')).toBe('alerts/100%25');
  });
});
