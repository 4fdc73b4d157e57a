// Per (stream, receiver) sequence tracking: which sequence numbers arrived, how many twice,
// how many behind one already seen. A bitset of seen sequence numbers (1 bit per message)
// makes duplicates exact and lets group receivers (shared subscriptions, command targets)
// union what their members saw across worker threads.

export interface SeqCounts {
  received: number;
  unique: number;
  duplicated: number;
  outOfOrder: number;
  maxSeq: number;
}

export type SeqOutcome = 'new' | 'duplicate' | 'reordered';

export class SeqTracker implements SeqCounts {
  received = 0;
  unique = 0;
  duplicated = 0;
  outOfOrder = 0;
  maxSeq = -1;
  /** The lowest sequence number seen: where a late subscriber's stream began (-1 before any). */
  minSeq = -1;
  private bits = new Uint8Array(16);

  record(seq: number): SeqOutcome {
    this.received++;
    const byte = seq >>> 3;
    if (byte >= this.bits.length) this.grow(byte);
    const mask = 1 << (seq & 7);
    const bits = this.bits;
    if ((bits[byte] as number) & mask) {
      this.duplicated++;
      return 'duplicate';
    }
    bits[byte] = (bits[byte] as number) | mask;
    this.unique++;
    if (this.minSeq < 0 || seq < this.minSeq) this.minSeq = seq;
    if (seq < this.maxSeq) {
      this.outOfOrder++;
      return 'reordered';
    }
    this.maxSeq = seq;
    return 'new';
  }

  has(seq: number): boolean {
    const byte = seq >>> 3;
    return byte < this.bits.length && ((this.bits[byte] as number) & (1 << (seq & 7))) !== 0;
  }

  counts(): SeqCounts {
    return {
      received: this.received,
      unique: this.unique,
      duplicated: this.duplicated,
      outOfOrder: this.outOfOrder,
      maxSeq: this.maxSeq,
    };
  }

  /** The seen-set, trimmed to maxSeq, as base64: what a group member ships to the main thread. */
  encodeSeen(): string {
    const used = this.maxSeq < 0 ? 0 : (this.maxSeq >>> 3) + 1;
    return Buffer.from(this.bits.buffer, this.bits.byteOffset, used).toString('base64');
  }

  private grow(byte: number): void {
    let size = this.bits.length;
    while (size <= byte) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bits);
    this.bits = next;
  }
}

/** Unions encoded seen-sets; returns how many distinct sequence numbers appear in any of them. */
export function unionSeenCount(encoded: Iterable<string>): number {
  let union = new Uint8Array(0);
  for (const e of encoded) {
    const bits = Buffer.from(e, 'base64');
    if (bits.length > union.length) {
      const next = new Uint8Array(bits.length);
      next.set(union);
      union = next;
    }
    for (let i = 0; i < bits.length; i++) union[i] = (union[i] as number) | (bits[i] as number);
  }
  let count = 0;
  for (const b of union) count += POPCOUNT[b] as number;
  return count;
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, i) => {
  let n = 0;
  for (let v = i; v; v >>= 1) n += v & 1;
  return n;
});
