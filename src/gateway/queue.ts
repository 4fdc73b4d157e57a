// A bounded FIFO for one outbound path: offer() refuses (and the path counts an overflow)
// instead of growing, and the high-water mark is kept for the stats. A ring buffer, so a
// full queue under load costs no allocation per message.

export class BoundedQueue<T> {
  private readonly slots: (T | undefined)[];
  private head = 0;
  private count = 0;
  /** Most items held at once. */
  highWater = 0;

  constructor(readonly capacity: number) {
    this.slots = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.count;
  }

  get free(): number {
    return this.capacity - this.count;
  }

  /** Appends `item`; false (nothing stored) when the queue is full. */
  offer(item: T): boolean {
    if (this.count === this.capacity) return false;
    this.slots[(this.head + this.count) % this.capacity] = item;
    this.count++;
    if (this.count > this.highWater) this.highWater = this.count;
    return true;
  }

  /** Puts an item back at the front (a send that must be retried keeps its place). */
  unshift(item: T): boolean {
    if (this.count === this.capacity) return false;
    this.head = (this.head - 1 + this.capacity) % this.capacity;
    this.slots[this.head] = item;
    this.count++;
    if (this.count > this.highWater) this.highWater = this.count;
    return true;
  }

  poll(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return item;
  }

  /** Empties the queue; returns how many items were dropped. */
  clear(): number {
    const n = this.count;
    this.slots.fill(undefined);
    this.head = 0;
    this.count = 0;
    return n;
  }
}
