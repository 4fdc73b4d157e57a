// CoAP → AMQP: a bounded queue drained into one AMQP 0-9-1 connection and one confirm
// channel (RabbitMQ publisher confirms) with a bounded window of unconfirmed publishes.
// basic.ack counts as forwarded; basic.nack and basic.return (mandatory, unroutable; sent
// before the ack) count as failed. When the connection or channel is lost, unconfirmed
// messages go back to the front of the queue (at-least-once, counted as republished) and the
// gateway reconnects once a second until it stops.
import amqp, { type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import type { ResolvedGatewayConfig } from './config.ts';
import { amqpConnectError, amqpReply, maskUrl, timeoutError } from './connect-errors.ts';
import { BoundedQueue } from './queue.ts';
import { PathCounters } from './stats.ts';

export interface AmqpMessage {
  routingKey: string;
  payload: Buffer;
}

type AmqpConfig = NonNullable<ResolvedGatewayConfig['amqp']>;

const RECONNECT_MS = 1000;
const noop = (): void => undefined;

/** Connects, checks the exchange exists, and opens a confirm channel; a FleetbenchError names what failed. */
async function open(o: AmqpConfig): Promise<{ conn: ChannelModel; ch: ConfirmChannel }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(() => reject(timeoutError('amqp', o.url, o.connectTimeoutMs)), o.connectTimeoutMs)),
  );
  const connecting = amqp.connect(o.url, {
    timeout: o.connectTimeoutMs,
    clientProperties: { connection_name: 'fleetbench-gateway' },
  });
  try {
    const conn = await Promise.race([connecting, timeout]);
    conn.on('error', noop);
    try {
      if (o.exchange !== '') {
        // A failed check closes its channel (AMQP 0-9-1 §1.5.2.5), so it gets one of its own.
        const probe = await conn.createChannel();
        probe.on('error', noop);
        try {
          await probe.checkExchange(o.exchange);
        } catch (err) {
          const reply = amqpReply(err);
          throw new FleetbenchError(
            ErrorCodes.CONNECT_REJECTED,
            `amqp.exchange: ${maskUrl(o.url)} has no exchange ${JSON.stringify(o.exchange)}${reply ? ` (${reply.code} ${reply.name})` : ''}; declare it first or use amq.topic`,
            { reasonCode: reply?.code ?? 'NOT_FOUND', cause: err },
          );
        }
        await probe.close();
      }
      return { conn, ch: await conn.createConfirmChannel() };
    } catch (err) {
      await conn.close().catch(noop);
      throw err;
    }
  } catch (err) {
    // A connection that completes after the timeout is closed, not leaked.
    connecting.then((c) => c.close().catch(noop), noop);
    throw amqpConnectError(err, o.url);
  } finally {
    clearTimeout(timer);
  }
}

export class AmqpPublisher {
  readonly queue: BoundedQueue<AmqpMessage>;
  readonly counters: PathCounters;
  private conn: ChannelModel | undefined;
  private ch: ConfirmChannel | undefined;
  private blocked = false;
  private waitingDrain = false;
  private stopped = false;
  private pumping = false;
  /** basic.return frames whose basic.ack has not arrived yet: those acks are not forwards. */
  private returnsAwaitingAck = 0;
  /** Unconfirmed messages of a channel that closed, re-queued once its callbacks have all run. */
  private lost: AmqpMessage[] = [];
  private reconnectTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly o: AmqpConfig) {
    this.queue = new BoundedQueue(o.queue);
    this.counters = new PathCounters(this.queue);
  }

  static async start(o: AmqpConfig): Promise<AmqpPublisher> {
    const p = new AmqpPublisher(o);
    p.attach(await open(o));
    return p;
  }

  /** Takes a message the caller checked there is room for (queue.free > 0). */
  enqueue(m: AmqpMessage): void {
    this.counters.received++;
    this.queue.offer(m);
    this.pump();
  }

  /** Counts everything still queued or unconfirmed as abandoned and ignores later outcomes. */
  abandon(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.counters.abandoned += this.queue.clear() + this.counters.inFlight + this.lost.length;
    this.counters.inFlight = 0;
    this.lost = [];
  }

  async close(): Promise<void> {
    this.abandon();
    await this.conn?.close().catch(noop);
    this.conn = undefined;
    this.ch = undefined;
  }

  private attach({ conn, ch }: { conn: ChannelModel; ch: ConfirmChannel }): void {
    this.conn = conn;
    this.ch = ch;
    this.blocked = false;
    this.waitingDrain = false;
    this.returnsAwaitingAck = 0;
    const c = this.counters;
    // RabbitMQ resource alarms: connection.blocked stops publishing until unblocked.
    conn.on('blocked', () => {
      this.blocked = true;
      c.count('blocked');
    });
    conn.on('unblocked', () => {
      this.blocked = false;
      this.pump();
    });
    ch.on('error', (err: unknown) => {
      const reply = amqpReply(err);
      c.count(reply ? `channel_closed.${reply.code}_${reply.name}` : 'channel_error');
    });
    // AMQP 0-9-1 §1.8.3.10 basic.return: a mandatory message no queue took.
    ch.on('return', (msg: Message) => {
      if (this.stopped) return;
      this.returnsAwaitingAck++;
      c.failed++;
      // amqplib's types omit basic.return's reply-code and reply-text (§1.8.3.10), which it does pass.
      const fields = msg.fields as Message['fields'] & { replyCode?: number; replyText?: string };
      c.count(`returned.${fields.replyCode ?? 0}_${fields.replyText ?? ''}`);
    });
    ch.on('drain', () => {
      this.waitingDrain = false;
      this.pump();
    });
    const lostConnection = (): void => {
      if (this.conn !== conn) return;
      this.conn = undefined;
      this.ch = undefined;
      conn.close().catch(noop);
      if (this.stopped) return;
      c.count('connection_lost');
      this.scheduleReconnect();
    };
    ch.on('close', lostConnection);
    conn.on('close', lostConnection);
    this.pump();
  }

  private scheduleReconnect(): void {
    this.reconnectTimer = setTimeout(() => {
      open(this.o).then(
        (opened) => {
          if (this.stopped) return void opened.conn.close().catch(noop);
          this.counters.count('reconnected');
          this.attach(opened);
        },
        () => {
          if (this.stopped) return;
          this.counters.count('reconnect_failed');
          this.scheduleReconnect();
        },
      );
    }, RECONNECT_MS);
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      const c = this.counters;
      while (!this.stopped && this.ch && !this.blocked && !this.waitingDrain && c.inFlight < this.o.window) {
        const m = this.queue.poll();
        if (!m) return;
        this.publish(this.ch, m);
      }
    } finally {
      this.pumping = false;
    }
  }

  private publish(ch: ConfirmChannel, m: AmqpMessage): void {
    const c = this.counters;
    c.inFlight++;
    const ok = ch.publish(
      this.o.exchange,
      m.routingKey,
      m.payload,
      { persistent: this.o.persistent, mandatory: this.o.mandatory },
      (err: unknown) => {
        if (this.stopped) return;
        c.inFlight--;
        if (!err) {
          if (this.returnsAwaitingAck > 0) this.returnsAwaitingAck--;
          else c.forwarded++;
        } else if ((err as Error).message === 'message nacked') {
          // §1.8.3.14 (RabbitMQ confirms): the broker could not take responsibility for it.
          c.failed++;
          c.count('nacked');
        } else {
          // The channel closed with the message unconfirmed: it may or may not have arrived; send it again.
          this.lost.push(m);
          if (this.lost.length === 1) queueMicrotask(() => this.requeueLost());
        }
        this.pump();
      },
    );
    // amqplib buffered the frame but its socket is full: wait for 'drain' before sending more.
    if (!ok) this.waitingDrain = true;
  }

  private requeueLost(): void {
    const lost = this.lost;
    this.lost = [];
    this.returnsAwaitingAck = 0;
    const c = this.counters;
    for (let i = lost.length - 1; i >= 0; i--) {
      if (this.queue.unshift(lost[i] as AmqpMessage)) c.count('republished');
      else {
        c.failed++;
        c.count('lost_on_reconnect');
      }
    }
    this.pump();
  }
}
