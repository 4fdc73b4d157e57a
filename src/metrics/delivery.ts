// Delivery accounting inside a worker: for every (sender fleet → receiver) pair, which
// sequence numbers of which stream arrived. 'each' receivers (every device expects every
// message) keep one tracker per (device, stream); 'group' receivers (shared subscriptions,
// command targets) share one tracker per stream, and ship their seen-sets for an exact union
// across workers.

import { type SeqOutcome, SeqTracker } from './sequence.ts';
import { MAX_FLEETS } from './stamp.ts';

export type ReceiverMode = 'each' | 'group';

export interface PairShard {
  from: string;
  to: string;
  mode: ReceiverMode;
  received: number;
  unique: number;
  duplicated: number;
  outOfOrder: number;
  /** Messages the server sent from its retained store when a subscription was made: not in the counts above. */
  retained?: number;
  /** Distinct messages sent during the receiver's offline phase and received (queued by its kept session). */
  sessionQueued?: number;
  /** Group mode only: per stream, the seen-set (base64 bitset) and the counts. */
  streams?: [stream: number, seen: string, received: number, outOfOrder: number][];
  /** Each mode only: per (receiver device, stream) counts, for per-stream verdicts; `first` is the lowest sequence number seen. */
  rows?: [
    device: number,
    stream: number,
    received: number,
    unique: number,
    duplicated: number,
    outOfOrder: number,
    first: number,
  ][];
}

export interface DeliveryShard {
  pairs: PairShard[];
  /** Devices per receiving group that subscribed successfully (their count is the 'each' expectation multiplier). */
  receiverDevices: Record<string, number[]>;
  /** Messages sent per stream by this worker's devices. */
  sent: [stream: number, count: number][];
  /** Group mode: messages received per member device, for how evenly the group shared the load. */
  members: Record<string, [device: number, received: number][]>;
  /**
   * Per receiving group: messages the peer still held for it at the end, by store (a queue), as
   * its devices read them when they closed (DriverDevice.held). Neither delivered nor lost.
   */
  held?: Record<string, [store: string, count: number][]>;
  /** Messages sent per stream within a time window of the send phase, by window (runner/windows.ts). */
  windows?: Record<string, [stream: number, count: number][]>;
  /**
   * Messages sent per stream in the scenario's warm-up (runner/warm-window.ts): each stream's
   * first sequence numbers, received and judged apart; `sent` still counts them.
   */
  warmSent?: [stream: number, count: number][];
}

interface PairBook {
  from: string;
  to: string;
  mode: ReceiverMode;
  trackers: Map<number, SeqTracker>;
  retained: number;
  sessionQueued: number;
}

const STREAM_SPACE = 2 ** 32;

export class DeliveryBook {
  private readonly pairs = new Map<number, PairBook>();
  private readonly receivers = new Map<string, Set<number>>();
  private readonly members = new Map<string, Map<number, number>>();
  private readonly held = new Map<string, Map<string, number>>();

  /**
   * What the peer still held for a receiving device of `group` when it closed, in `store`.
   * Devices sharing a store read it one after another as they stop: the smallest reading, the
   * last, is what is left.
   */
  addHeld(group: string, store: string, count: number): void {
    let stores = this.held.get(group);
    if (!stores) {
      stores = new Map();
      this.held.set(group, stores);
    }
    stores.set(store, Math.min(count, stores.get(store) ?? count));
  }

  /** A receiving device subscribed and now expects its streams (again after a planned reconnect: counted once). */
  addReceiver(group: string, device: number): void {
    const list = this.receivers.get(group);
    if (list) list.add(device);
    else this.receivers.set(group, new Set([device]));
  }

  /** A message of `from` that `to` got from the server's retained store, or from its kept session (`sessionQueued`). */
  note(
    from: { name: string; index: number },
    to: { name: string; index: number },
    mode: ReceiverMode,
    kind: 'retained' | 'sessionQueued',
  ): void {
    this.pair(from, to, mode)[kind]++;
  }

  private pair(
    from: { name: string; index: number },
    to: { name: string; index: number },
    mode: ReceiverMode,
  ): PairBook {
    const pairId = from.index * MAX_FLEETS + to.index;
    let book = this.pairs.get(pairId);
    if (!book) {
      book = { from: from.name, to: to.name, mode, trackers: new Map(), retained: 0, sessionQueued: 0 };
      this.pairs.set(pairId, book);
    }
    return book;
  }

  record(
    from: { name: string; index: number },
    to: { name: string; index: number },
    mode: ReceiverMode,
    device: number,
    stream: number,
    seq: number,
  ): SeqOutcome {
    const book = this.pair(from, to, mode);
    // 'each': one tracker per (device, stream); 'group': one per stream for the whole group.
    const key = mode === 'each' ? device * STREAM_SPACE + stream : stream;
    let tracker = book.trackers.get(key);
    if (!tracker) {
      tracker = new SeqTracker();
      book.trackers.set(key, tracker);
    }
    if (mode === 'group') {
      let counts = this.members.get(to.name);
      if (!counts) {
        counts = new Map();
        this.members.set(to.name, counts);
      }
      counts.set(device, (counts.get(device) ?? 0) + 1);
    }
    return tracker.record(seq);
  }

  /** `sent`: messages sent per stream by this worker's devices (their next sequence numbers). */
  final(sent: [stream: number, count: number][] = []): DeliveryShard {
    const pairs: PairShard[] = [];
    for (const book of this.pairs.values()) {
      const pair: PairShard = {
        from: book.from,
        to: book.to,
        mode: book.mode,
        received: 0,
        unique: 0,
        duplicated: 0,
        outOfOrder: 0,
      };
      if (book.retained > 0) pair.retained = book.retained;
      if (book.sessionQueued > 0) pair.sessionQueued = book.sessionQueued;
      if (book.mode === 'group') pair.streams = [];
      else pair.rows = [];
      for (const [key, t] of book.trackers) {
        pair.received += t.received;
        pair.unique += t.unique;
        pair.duplicated += t.duplicated;
        pair.outOfOrder += t.outOfOrder;
        if (pair.streams) pair.streams.push([key, t.encodeSeen(), t.received, t.outOfOrder]);
        else
          pair.rows?.push([
            Math.floor(key / STREAM_SPACE),
            key % STREAM_SPACE,
            t.received,
            t.unique,
            t.duplicated,
            t.outOfOrder,
            t.minSeq,
          ]);
      }
      pairs.push(pair);
    }
    const members: DeliveryShard['members'] = {};
    for (const [group, counts] of this.members) members[group] = [...counts];
    const receiverDevices = Object.fromEntries([...this.receivers].map(([g, set]) => [g, [...set]]));
    const shard: DeliveryShard = { pairs, receiverDevices, members, sent };
    if (this.held.size > 0) shard.held = Object.fromEntries([...this.held].map(([g, stores]) => [g, [...stores]]));
    return shard;
  }
}
