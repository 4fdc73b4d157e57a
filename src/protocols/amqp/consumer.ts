// The consumer side of an AMQP device: each delivery is reported, then acknowledged or
// rejected (after the configured processing time), with the unacknowledged peak and
// dead-letter reasons counted as protocol codes.
import type { Channel, ConsumeMessage } from 'amqplib';
import { nowUs } from '../../metrics/clock.ts';
import type { DeviceEvents } from '../driver.ts';
import { AMQP_CODES } from './codes.ts';
import type { ResolvedAmqpOptions } from './options.ts';
import type { Consuming } from './topology.ts';

const C = AMQP_CODES.keys;

/** How long a closing consumer lets deliveries still being processed finish before settling them at once. */
const SETTLE_BOUND_MS = 2000;

/** Peaks of unacknowledged deliveries are reported exactly up to here, then at powers of two. */
const EXACT_PEAK_LIMIT = 1024;

export class AmqpConsumer {
  /** Deliveries received (for the power model's packet count). */
  deliveries = 0;
  /** Deliveries not yet acked, their peak, first deliveries seen, pending ack timers. */
  private unacked = 0;
  private peak = 0;
  private firstDeliveries = 0;
  /** The priority of the last delivery on `lastChannel` (a new channel is a new consume). */
  private lastPriority: number | undefined;
  private lastChannel: Channel | undefined;
  /** Deliveries being processed: their timer and how to settle them at once. */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  /** Called when the last pending delivery is settled (settleAll waits on it). */
  private idle: (() => void) | undefined;

  constructor(
    private readonly options: ResolvedAmqpOptions,
    private readonly clientId: string,
    private readonly events: DeviceEvents,
    /** The open channel, or undefined once it is closed. */
    private readonly channel: () => Channel | undefined,
  ) {}

  deliver(m: ConsumeMessage | null): void {
    // basic.cancel from the server (RabbitMQ's consumer-cancel notification): the queue went away.
    if (m === null) {
      this.events.onError(
        'amqp.consumer_cancelled',
        `${this.clientId}: the broker cancelled the consumer (queue deleted?)`,
      );
      return;
    }
    this.deliveries++;
    const receivedUs = nowUs();
    const o = this.options;
    if (m.fields.redelivered) this.events.onCode(C.delivery.redelivered);
    // A priority queue delivers its backlog highest priority first (AMQP 0-9-1 §1.8, class basic
    // rule 02: at least two levels; RabbitMQ only on queues with x-max-priority): a delivery of
    // higher priority than the one before it means it waited behind a lower one, unless it
    // arrived after that one was delivered (live traffic). No priority property counts as 0.
    const priority = typeof m.properties.priority === 'number' ? m.properties.priority : 0;
    const channel = this.channel();
    if (channel === this.lastChannel && this.lastPriority !== undefined && priority > this.lastPriority)
      this.events.onCode(C.delivery.priority_rise);
    this.lastPriority = priority;
    this.lastChannel = channel;
    // RabbitMQ records each dead-lettering in x-death, most recent first, with its reason
    // (rejected, expired, maxlen, delivery_limit).
    const death = (m.properties.headers?.['x-death'] as { reason?: unknown }[] | undefined)?.[0];
    if (death?.reason !== undefined) this.events.onCode(C.deadletter.of(String(death.reason)));
    this.events.onMessage({ topic: m.fields.routingKey, payload: m.content, receivedUs, retained: false });
    if (o.ack === 'auto') return;
    this.unacked++;
    if (this.unacked > this.peak) {
      this.peak = this.unacked;
      // A peak is a maximum, which counters cannot sum: each new peak is its own code, and the
      // group's peak is the largest code seen (see stats()).
      if (this.peak <= EXACT_PEAK_LIMIT || (this.peak & (this.peak - 1)) === 0)
        this.events.onCode(C.unacked_peak.of(this.peak));
    }
    let reject = false;
    if (!m.fields.redelivered) {
      this.firstDeliveries++;
      reject = o.reject !== undefined && this.firstDeliveries % o.reject.every === 0;
    }
    if (o.processingMs <= 0) {
      this.settle(m, reject);
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.settle(m, reject);
      if (this.timers.size === 0) this.idle?.();
    }, o.processingMs);
    this.timers.set(t, () => this.settle(m, reject));
  }

  /**
   * Before a graceful close: lets every delivery still being processed finish (at most
   * `boundMs`), then settles the rest at once. Whatever was received is then acked (or rejected
   * as configured), so the close requeues nothing the run already counted as received.
   */
  async settleAll(boundMs: number): Promise<void> {
    if (this.timers.size > 0) {
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (this.idle = resolve)),
        new Promise<void>((resolve) => (bound = setTimeout(resolve, boundMs))),
      ]);
      clearTimeout(bound);
      this.idle = undefined;
    }
    for (const [t, settle] of this.timers) {
      clearTimeout(t);
      settle();
    }
    this.timers.clear();
  }

  /** Acknowledges a handled delivery, or rejects it. */
  private settle(m: ConsumeMessage, reject: boolean): void {
    const channel = this.channel();
    if (!channel) return;
    this.unacked--;
    const requeue = this.options.reject?.requeue ?? false;
    if (reject) {
      // basic.nack (RabbitMQ's extension of basic.reject, 60/120): requeue, or dead-letter when not requeued.
      channel.nack(m, false, requeue);
      this.events.onCode(requeue ? C.consumer.nack_requeue : C.consumer.nack);
    } else {
      channel.ack(m);
      this.events.onCode(C.consumer.ack);
    }
  }

  /**
   * The consumer's end in a graceful close, before the connection goes: basic.cancel (AMQP 0-9-1
   * §1.8.3.5), after whose cancel-ok the broker sends this consumer nothing more (what it sent
   * before is still handled); every received delivery settled (settleAll); and the ready messages
   * the broker still holds, the message-count of a passive queue.declare (§1.7.2.1). Undefined
   * when the queue could not be read.
   */
  async finish(channel: Channel, consuming: Consuming): Promise<number | undefined> {
    try {
      let held: number | undefined;
      if (this.options.queue.autoDelete) {
        // Cancelling the last consumer deletes an auto-delete queue (and what it holds), so its
        // depth is read first. Deliveries after that reading were counted in it and are received:
        // they are taken off (up to a few in flight at the reading may be counted twice).
        const ok = await channel.checkQueue(consuming.queue);
        const before = this.deliveries;
        await channel.cancel(consuming.tag);
        held = Math.max(0, ok.messageCount - (this.deliveries - before));
      } else await channel.cancel(consuming.tag);
      await this.settleAll(SETTLE_BOUND_MS);
      return held ?? (await channel.checkQueue(consuming.queue)).messageCount;
    } catch {
      return undefined;
    }
  }

  /**
   * Cancels pending acks (the device is closing, or its channel is gone: a delivery tag is only
   * valid on its own channel, AMQP 0-9-1 §1.8.3.13, and the broker requeues what was unacked).
   */
  stop(): void {
    for (const t of this.timers.keys()) clearTimeout(t);
    this.timers.clear();
    this.idle = undefined;
    this.unacked = 0;
  }
}
