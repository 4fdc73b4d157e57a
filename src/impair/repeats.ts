// Retransmissions seen on a datagram flow, without reading the datagrams: a datagram whose bytes
// equal one of the last REMEMBERED on the same flow and direction is a repeat. Memory is bounded
// per flow; a repeat of something older than that is not recognised.
import { createHash } from 'node:crypto';

export const REMEMBERED = 1024;

export class RepeatTracker {
  private readonly seen = new Set<string>();
  private readonly order: string[] = [];
  private next = 0;

  /** True when these bytes were seen before (and remembers them otherwise). */
  check(bytes: Uint8Array): boolean {
    const key = createHash('sha1').update(bytes).digest('base64');
    if (this.seen.has(key)) return true;
    const evicted = this.order[this.next];
    if (evicted !== undefined) this.seen.delete(evicted);
    this.order[this.next] = key;
    this.next = (this.next + 1) % REMEMBERED;
    this.seen.add(key);
    return false;
  }
}
