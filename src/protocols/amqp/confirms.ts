// The publishes of a confirm-mode device that the broker has not confirmed yet (RabbitMQ's
// publisher confirms: basic.ack / basic.nack for each delivery tag). They outlive the channel:
// when the connection is lost they are kept, and the next connect() republishes them, in order.
import type { Options } from 'amqplib';
import { nowUs } from '../../metrics/clock.ts';
import type { DeviceEvents, OutgoingMessage } from '../driver.ts';
import { AMQP_CODES } from './codes.ts';

const C = AMQP_CODES.keys;

export interface Unconfirmed {
  message: OutgoingMessage;
  options: Options.Publish;
}

/** amqplib fails a confirm callback with this error only for a basic.nack; a closed channel fails it with 'channel closed'. */
const NACKED = 'message nacked';

export class ConfirmWindow {
  private nextId = 0;
  /** Insertion order is publish order, the order they are republished in. */
  private readonly entries = new Map<number, Unconfirmed>();

  constructor(
    private readonly events: DeviceEvents,
    private readonly who: string,
    /** A confirm arrived (for the power model's packet count). */
    private readonly onConfirm: () => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  add(entry: Unconfirmed): number {
    const id = this.nextId++;
    this.entries.set(id, entry);
    return id;
  }

  /** amqplib's confirm callback for publish `id`. */
  confirmed(id: number, err: unknown): void {
    // A closed channel fails every pending confirm: those stay unconfirmed, for the loss or
    // close that closed it to account for (republished, in doubt, or unconfirmed at close).
    if (err && (err as Error).message !== NACKED) return;
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    if (err) {
      // basic.nack (RabbitMQ's extension): the broker could not take the message.
      this.events.onCode(C.confirm.nack);
      this.events.onError('amqp.nack', `${this.who}: the broker nacked a publish (basic.nack)`);
      return;
    }
    this.onConfirm();
    this.events.onCode(C.confirm.ack);
    this.events.onAck(entry.message, nowUs(), undefined);
  }

  /** A graceful close ended with these unconfirmed: the broker may or may not have them. */
  leftAtClose(): void {
    const left = this.take().length;
    if (left > 0) this.events.onCode(C.confirm.unconfirmed_at_close, left);
  }

  /** A device closed while down: what it kept for republishing never goes out, neither delivered nor lost for sure. */
  abandon(): void {
    const left = this.take().length;
    if (left === 0) return;
    this.events.onCode(C.confirm.unconfirmed_at_close, left);
    this.events.onInDoubt(left);
  }

  /** Removes and returns every publish still unconfirmed, oldest first. */
  take(): Unconfirmed[] {
    const all = [...this.entries.values()];
    this.entries.clear();
    return all;
  }
}
