// Delivery accounting in a worker: 'each' receivers count every device separately, 'group'
// receivers (shared subscriptions, command targets) count each message once across members.
import { describe, expect, it } from 'vitest';
import { DeliveryBook, type PairShard } from '../../src/metrics/delivery.ts';
import { unionSeenCount } from '../../src/metrics/sequence.ts';
import { streamId } from '../../src/metrics/stamp.ts';

const gps = { name: 'gps', index: 0 };
const temp = { name: 'temp', index: 1 };
const dash = { name: 'dash', index: 2 };
const pool = { name: 'pool', index: 3 };

function pair(book: DeliveryBook, from: string, to: string): PairShard {
  const found = book.final().pairs.find((p) => p.from === from && p.to === to);
  if (!found) throw new Error(`no pair ${from} → ${to}`);
  return found;
}

describe("DeliveryBook in 'each' mode", () => {
  it('counts two devices receiving the same messages separately, without duplicates', () => {
    const book = new DeliveryBook();
    const stream = streamId(gps.index, 0);
    for (const device of [0, 1]) {
      book.addReceiver('dash', device);
      for (const seq of [0, 1, 2, 3, 4]) expect(book.record(gps, dash, 'each', device, stream, seq)).toBe('new');
    }
    expect(pair(book, 'gps', 'dash')).toMatchObject({
      from: 'gps',
      to: 'dash',
      mode: 'each',
      received: 10,
      unique: 10,
      duplicated: 0,
      outOfOrder: 0,
    });
    // One row per (receiver device, stream): [device, stream, received, unique, duplicated, outOfOrder, first].
    expect(pair(book, 'gps', 'dash')?.rows).toEqual([
      [0, stream, 5, 5, 0, 0, 0],
      [1, stream, 5, 5, 0, 0, 0],
    ]);
    expect(book.final().receiverDevices).toEqual({ dash: [0, 1] });
    expect(book.final().members).toEqual({});
  });

  it('counts a message one device receives twice as one duplicate', () => {
    const book = new DeliveryBook();
    const stream = streamId(gps.index, 4);
    for (const seq of [0, 1, 1, 3, 2]) book.record(gps, dash, 'each', 0, stream, seq);
    for (const seq of [0, 1, 2, 3]) book.record(gps, dash, 'each', 1, stream, seq);
    expect(pair(book, 'gps', 'dash')).toMatchObject({ received: 9, unique: 8, duplicated: 1, outOfOrder: 1 });
  });

  it('keeps streams of different sending devices apart', () => {
    const book = new DeliveryBook();
    for (const device of [0, 1, 2])
      for (const seq of [0, 1]) book.record(gps, dash, 'each', 0, streamId(gps.index, device), seq);
    expect(pair(book, 'gps', 'dash')).toMatchObject({ received: 6, unique: 6, duplicated: 0 });
  });

  it('keeps one pair per (sender fleet, receiver)', () => {
    const book = new DeliveryBook();
    book.record(gps, dash, 'each', 0, streamId(gps.index, 0), 0);
    book.record(temp, dash, 'each', 0, streamId(temp.index, 0), 0);
    book.record(temp, dash, 'each', 0, streamId(temp.index, 0), 1);
    expect(book.final().pairs.map((p) => [p.from, p.to, p.received])).toEqual([
      ['gps', 'dash', 1],
      ['temp', 'dash', 2],
    ]);
  });
});

describe("DeliveryBook in 'group' mode", () => {
  it('counts a message seen by two members as a duplicate, and what each member received', () => {
    const book = new DeliveryBook();
    const stream = streamId(gps.index, 0);
    // Member 0 gets 0,2,4; member 1 gets 1,3 and a redelivered 2.
    for (const seq of [0, 2, 4]) book.record(gps, pool, 'group', 0, stream, seq);
    for (const seq of [1, 3]) book.record(gps, pool, 'group', 1, stream, seq);
    expect(book.record(gps, pool, 'group', 1, stream, 2)).toBe('duplicate');
    const p = pair(book, 'gps', 'pool');
    expect(p).toMatchObject({ mode: 'group', received: 6, unique: 5, duplicated: 1 });
    expect(book.final().members).toEqual({
      pool: [
        [0, 3],
        [1, 3],
      ],
    });
  });

  it('ships one seen-set per stream that unions exactly with other workers', () => {
    const workerA = new DeliveryBook();
    const workerB = new DeliveryBook();
    const s0 = streamId(gps.index, 0);
    const s1 = streamId(gps.index, 1);
    for (const seq of [0, 1, 2, 3]) workerA.record(gps, pool, 'group', 0, s0, seq);
    for (const seq of [3, 4, 5]) workerB.record(gps, pool, 'group', 5, s0, seq);
    for (const seq of [0, 1]) workerB.record(gps, pool, 'group', 5, s1, seq);

    const a = pair(workerA, 'gps', 'pool').streams ?? [];
    const b = pair(workerB, 'gps', 'pool').streams ?? [];
    expect(a.map(([stream, , received]) => [stream, received])).toEqual([[s0, 4]]);
    expect(b.map(([stream, , received]) => [stream, received])).toEqual([
      [s0, 3],
      [s1, 2],
    ]);
    const seenOf = (list: typeof a, stream: number): string[] =>
      list.filter(([s]) => s === stream).map(([, seen]) => seen);
    expect(unionSeenCount([...seenOf(a, s0), ...seenOf(b, s0)])).toBe(6);
    expect(unionSeenCount([...seenOf(a, s1), ...seenOf(b, s1)])).toBe(2);
  });

  it('is kept apart from an each-mode receiver of the same fleet', () => {
    const book = new DeliveryBook();
    const stream = streamId(gps.index, 0);
    book.record(gps, pool, 'group', 0, stream, 0);
    book.record(gps, dash, 'each', 0, stream, 0);
    expect(pair(book, 'gps', 'pool').streams).toHaveLength(1);
    expect(pair(book, 'gps', 'dash').streams).toBeUndefined();
    expect(book.final().members).toEqual({ pool: [[0, 1]] });
  });
});

describe('DeliveryBook.final()', () => {
  it('is empty before anything arrives', () => {
    expect(new DeliveryBook().final()).toEqual({ pairs: [], receiverDevices: {}, members: {}, sent: [] });
  });

  it('counts receivers per group as they subscribe', () => {
    const book = new DeliveryBook();
    for (let i = 0; i < 3; i++) book.addReceiver('dash', i);
    book.addReceiver('pool', 0);
    const devices = book.final().receiverDevices;
    expect(Object.fromEntries(Object.entries(devices).map(([g, list]) => [g, list.length]))).toEqual({
      dash: 3,
      pool: 1,
    });
  });

  it('is plain data that survives a structured clone (what crosses the worker boundary)', () => {
    const book = new DeliveryBook();
    book.addReceiver('pool', 0);
    book.record(gps, pool, 'group', 0, streamId(gps.index, 0), 0);
    book.record(gps, dash, 'each', 0, streamId(gps.index, 0), 0);
    const shard = book.final();
    expect(structuredClone(shard)).toEqual(shard);
  });
});

describe('DeliveryBook: what the peer still held for receivers', () => {
  it('keeps the smallest reading of a shared store and every store of a group apart', () => {
    const book = new DeliveryBook();
    // Competing consumers read one queue one after another as they stop: the last, smallest, is what is left.
    book.addHeld('pool', 'rabbit / work', 40);
    book.addHeld('pool', 'rabbit / work', 12);
    book.addHeld('pool', 'rabbit / work', 30);
    // Each device of 'dash' has its own queue: both count.
    book.addHeld('dash', 'rabbit / q-0', 3);
    book.addHeld('dash', 'rabbit / q-1', 0);
    expect(book.final().held).toEqual({
      pool: [['rabbit / work', 12]],
      dash: [
        ['rabbit / q-0', 3],
        ['rabbit / q-1', 0],
      ],
    });
  });

  it('says nothing when no driver reported a held count', () => {
    expect(new DeliveryBook().final().held).toBeUndefined();
  });
});
