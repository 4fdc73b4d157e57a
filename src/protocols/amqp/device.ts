// One virtual AMQP 0-9-1 client (amqplib): its own connection and channel. Publishers send to
// an exchange with the rendered topic as routing key, timed to the publisher confirm or the
// transaction commit; consumers declare a queue, bind it, and consume with prefetch and
// manual acks. Bytes are the connection's socket counts: every frame, heartbeats included.

import type { Socket } from 'node:net';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import { ErrorCodes, FleetbenchError } from '../../base/errors.ts';
import { maskUrl } from '../../base/url.ts';
import { nowUs } from '../../metrics/clock.ts';
import { emptyWire, type WireTotalsByKind } from '../../power/wire.ts';
import type { DeviceEvents, DeviceInit, DriverDevice, OutgoingMessage, SendOutcome } from '../driver.ts';
import { renderTopic } from '../topics.ts';
import { AMQP_CODES } from './codes.ts';
import { AmqpConsumer } from './consumer.ts';
import { amqpConnectError, channelError } from './errors.ts';
import type { ResolvedAmqpOptions } from './options.ts';
import { txCommit, txSelect } from './tx.ts';

const C = AMQP_CODES.keys;

/**
 * Sends are refused while this many bytes wait in the socket's write buffer. Without confirms
 * nothing else bounds a publisher that outruns the broker: the backlog would grow in memory and
 * whatever is still buffered when the device closes would be counted as sent but never arrive.
 * 64 KiB is a few hundred small messages, which a broker taking even 50 KB/s per connection
 * flushes within the close bound.
 */
const BACKPRESSURE_BYTES = 64 << 10;

/** How long close() waits for buffered publishes, commits and the broker's close-ok. */
const CLOSE_BOUND_MS = 5000;

export class AmqpDevice implements DriverDevice {
  private model: ChannelModel | undefined;
  private channel: Channel | undefined;
  private socket: Socket | undefined;
  private open = false;
  private closing = false;
  private setupDone = false;
  private blocked = false;
  /** Unconfirmed (confirm mode) or uncommitted (tx mode) messages. */
  private pending = 0;
  private batch: OutgoingMessage[] = [];
  /** Transactions: messages sent while a tx.commit was in progress, published after commit-ok. */
  private held: { message: OutgoingMessage; options: Options.Publish }[] = [];
  private committing = false;
  private commitTimer: NodeJS.Timeout | undefined;
  private commitChain: Promise<void> = Promise.resolve();
  private readonly exchange: string;
  private readonly publishOptions: Options.Publish;
  /** The consumer side: deliveries, acks, rejects and the unacked peak. */
  private readonly consumer: AmqpConsumer;
  /** Bytes of earlier connections (a sleep-session device opens one per report). */
  private readonly earlier = { sent: 0, received: 0 };
  /**
   * For the power model: connections opened, the bytes of opening (connection.start … channel
   * open, confirm.select) and closing them, and the data frames' packets: a publish is one
   * segment (method, header and body frames written together), a confirm or a delivery one.
   */
  private readonly traffic = { connections: 0, handshakeSent: 0, handshakeReceived: 0, publishes: 0, confirms: 0 };

  constructor(
    private readonly init: DeviceInit<ResolvedAmqpOptions>,
    private readonly events: DeviceEvents,
  ) {
    const o = init.options;
    this.exchange = this.render(o.exchange);
    const p: Options.Publish = {};
    if (o.persistent) p.persistent = true;
    if (o.mandatory) p.mandatory = true;
    if (o.priority !== undefined) p.priority = o.priority;
    // Basic property `expiration`: a short string, milliseconds in RabbitMQ's per-message TTL.
    if (o.ttlMs !== undefined) p.expiration = String(o.ttlMs);
    if (o.headers) p.headers = o.headers;
    this.publishOptions = p;
    this.consumer = new AmqpConsumer(o, init.clientId, events, () => (this.open ? this.channel : undefined));
  }

  get connected(): boolean {
    return this.open;
  }

  get bytes(): { sent: number; received: number } {
    return {
      sent: this.earlier.sent + (this.socket?.bytesWritten ?? 0),
      received: this.earlier.received + (this.socket?.bytesRead ?? 0),
    };
  }

  get wire(): WireTotalsByKind {
    const t = this.traffic;
    const b = this.bytes;
    const w = emptyWire();
    w.connections = t.connections;
    w.tx.handshake = { packets: 0, bytes: t.handshakeSent };
    w.rx.handshake = { packets: 0, bytes: t.handshakeReceived };
    w.tx.data = {
      packets: t.publishes + (this.init.options.ack === 'manual' ? this.consumer.deliveries : 0),
      bytes: b.sent - t.handshakeSent,
    };
    w.rx.data = { packets: t.confirms + this.consumer.deliveries, bytes: b.received - t.handshakeReceived };
    // AMQP 0-9-1 §4.2.3: about seven method round trips open a connection and its channel;
    // each method is one segment each way (assumption: no coalescing), closing is two more.
    w.tx.handshake.packets = t.connections * 9;
    w.rx.handshake.packets = t.connections * 9;
    return w;
  }

  async connect(): Promise<number> {
    const { url, options, connectTimeoutMs } = this.init;
    const started = nowUs();
    this.closing = false;
    this.setupDone = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new FleetbenchError(
              ErrorCodes.CONNECT_TIMEOUT,
              `${maskUrl(url)}: no connection.open-ok within ${connectTimeoutMs}ms (connect timeout)`,
              { reasonCode: 'TIMEOUT' },
            ),
          ),
        connectTimeoutMs,
      );
    });
    const opening = amqp.connect(withHeartbeat(url, options.heartbeatSec), {
      timeout: connectTimeoutMs,
      noDelay: true,
      clientProperties: { connection_name: this.init.clientId },
    });
    try {
      const model = await Promise.race([opening, timeout]);
      this.adopt(model);
      // confirm.select (RabbitMQ's publisher-confirms extension) or tx.select (class tx), once per channel.
      const channel = options.confirm ? await model.createConfirmChannel() : await model.createChannel();
      this.watchChannel(channel);
      if (options.tx) await txSelect(channel);
      // exchange.declare (class exchange, 40/10): only when the scenario gives a type; otherwise it must exist.
      if (options.exchangeType) await channel.assertExchange(this.exchange, options.exchangeType, { durable: true });
      this.channel = channel;
      this.open = true;
      this.setupDone = true;
      this.traffic.connections++;
      this.traffic.handshakeSent += this.socket?.bytesWritten ?? 0;
      this.traffic.handshakeReceived += this.socket?.bytesRead ?? 0;
      return nowUs() - started;
    } catch (err) {
      // A late connection (after a timeout) must not linger.
      opening.then(
        (m) => m.close().catch(() => undefined),
        () => undefined,
      );
      this.open = false;
      if (err instanceof FleetbenchError) throw err;
      if (this.model) {
        const { key, message } = channelError(err, `${maskUrl(url)}: channel setup`);
        throw Object.assign(new Error(message), { code: key });
      }
      throw amqpConnectError(err, url);
    } finally {
      clearTimeout(timer);
    }
  }

  async subscribe(filters: readonly string[]): Promise<void> {
    const channel = this.channel;
    if (!channel) throw new Error('subscribe before connect');
    const o = this.init.options;
    const q = o.queue;
    const args: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(q.arguments)) args[k] = typeof v === 'string' ? this.render(v) : v;
    this.setupDone = false;
    try {
      // queue.declare (class queue, 50/10): an empty name asks the server to name the queue.
      const declared = await channel.assertQueue(q.name === undefined ? '' : this.render(q.name), {
        durable: q.durable,
        exclusive: q.exclusive,
        autoDelete: q.autoDelete,
        arguments: args,
      });
      // The default exchange routes by queue name by itself (AMQP 0-9-1, "default exchange") and refuses bindings.
      if (this.exchange !== '') {
        const keys = filters.length > 0 ? filters : [''];
        for (const key of keys) await channel.bindQueue(declared.queue, this.exchange, key, o.bindArguments);
      }
      // basic.qos (60/10): prefetch-count bounds the unacknowledged deliveries to this consumer
      // (RabbitMQ applies a non-global prefetch per consumer).
      if (o.prefetch > 0) await channel.prefetch(o.prefetch);
      await channel.consume(declared.queue, (m) => this.consumer.deliver(m), { noAck: o.ack === 'auto' });
      this.setupDone = true;
    } catch (err) {
      const { key, message } = channelError(err, `queue ${JSON.stringify(q.name ?? '(server-named)')}`);
      throw Object.assign(new Error(message), { code: key });
    }
  }

  send(message: OutgoingMessage): SendOutcome {
    const channel = this.channel;
    const o = this.init.options;
    if (!channel || !this.open || this.closing) return 'not_connected';
    const acked = o.confirm || o.tx !== undefined;
    if (acked && !message.isReply && this.pending >= o.inflight) return 'window_full';
    if (this.blocked || (this.socket?.writableLength ?? 0) > BACKPRESSURE_BYTES) return 'backpressure';
    let options = this.publishOptions;
    if (message.replyTo !== undefined || message.correlation !== undefined) {
      options = { ...options };
      if (message.replyTo !== undefined) options.replyTo = message.replyTo;
      if (message.correlation !== undefined) options.correlationId = message.correlation.toString('hex');
    }
    let written: boolean;
    if (o.confirm) {
      this.pending++;
      written = (channel as ConfirmChannel).publish(
        this.exchange,
        message.topic,
        message.payload,
        options,
        (err: unknown) => {
          this.pending--;
          if (err) {
            // basic.nack from the broker, or the channel closed with the publish unconfirmed.
            this.events.onCode(this.open ? C.confirm.nack : C.confirm.unconfirmed_at_close);
            if (this.open)
              this.events.onError('amqp.nack', `${this.init.clientId}: the broker nacked a publish (basic.nack)`);
            return;
          }
          this.traffic.confirms++;
          this.events.onCode(C.confirm.ack);
          this.events.onAck(message, nowUs(), undefined);
        },
      );
    } else if (o.tx && this.committing) {
      // RabbitMQ refuses any method on a channel while its tx.commit is in progress (504
      // CHANNEL_ERROR "unexpected command while processing 'tx.commit'"): hold the message
      // until commit-ok; it is published first thing in the next transaction.
      this.pending++;
      this.held.push({ message, options });
      return 'sent';
    } else {
      written = channel.publish(this.exchange, message.topic, message.payload, options);
      if (o.tx) {
        this.pending++;
        this.addToBatch(message);
      }
    }
    // publish() returns false when the channel's write buffer is full: wait for 'drain'.
    if (!written) this.blocked = true;
    this.traffic.publishes++;
    return 'sent';
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.consumer.stop();
    if (this.batch.length > 0 && this.open) this.commit();
    const model = this.model;
    if (!model) return;
    const from = this.bytes;
    const done = (async () => {
      // Commits chain through releaseHeld(): wait until none is left in progress.
      for (let i = 0; i < 100 && (this.committing || this.held.length > 0); i++) await this.commitChain;
      // What is still buffered must reach the broker before the connection closes.
      while ((this.socket?.writableLength ?? 0) > 0 && !this.socket?.destroyed)
        await new Promise((resolve) => setTimeout(resolve, 10));
      await model.close();
    })().catch(() => undefined);
    // A dead broker must not hang shutdown.
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, CLOSE_BOUND_MS).unref())]);
    if (this.open) this.socket?.destroy();
    this.open = false;
    // connection.close / close-ok (and channel.close) are teardown, priced with the handshake.
    const to = this.bytes;
    this.traffic.handshakeSent += to.sent - from.sent;
    this.traffic.handshakeReceived += to.received - from.received;
  }

  kill(): void {
    this.closing = true;
    this.open = false;
    clearTimeout(this.commitTimer);
    this.consumer.stop();
    this.socket?.destroy();
  }

  private adopt(model: ChannelModel): void {
    this.model = model;
    if (this.socket) {
      this.earlier.sent += this.socket.bytesWritten;
      this.earlier.received += this.socket.bytesRead;
    }
    this.socket = (model.connection as unknown as { stream: Socket }).stream;
    model.on('error', (err: unknown) => {
      const { key, message } = channelError(err, `${this.init.clientId}: connection`);
      this.events.onError(key, message);
    });
    model.on('close', (err?: unknown) => {
      const was = this.open;
      this.open = false;
      if (this.closing || !was) return;
      const { key, message } = err
        ? channelError(err, `${this.init.clientId}: connection closed`)
        : { key: 'amqp.connection_lost', message: `${this.init.clientId}: connection closed by the broker or network` };
      this.events.onDisconnect(key, message, err ? 'server_disconnect' : 'closed');
    });
    // RabbitMQ's connection.blocked (a resource alarm): publishes stall until unblocked.
    model.on('blocked', (reason: string) => this.events.onCode(C.connection.of(`blocked: ${reason}`)));
  }

  private watchChannel(channel: Channel): void {
    // basic.return (60/50): a mandatory message that no queue took, with its reply code (312 NO_ROUTE).
    channel.on('return', (m: { fields: { replyCode: number } }) => this.events.onCode(C.return.of(m.fields.replyCode)));
    channel.on('drain', () => {
      this.blocked = false;
    });
    channel.on('error', (err: unknown) => {
      // During setup the failing RPC reports the error itself; afterwards it is counted here.
      if (!this.setupDone) return;
      const { key, message } = channelError(err, `${this.init.clientId}: channel closed by the broker`);
      this.events.onError(key, message);
    });
    channel.on('close', () => {
      if (this.channel === channel) this.open = false;
    });
  }

  private addToBatch(message: OutgoingMessage): void {
    const tx = this.init.options.tx as NonNullable<ResolvedAmqpOptions['tx']>;
    this.batch.push(message);
    if (this.batch.length >= tx.batch) this.commit();
    else this.commitTimer ??= setTimeout(() => this.commit(), tx.maxDelayMs);
  }

  /** tx.commit (90/20): everything published since the last commit is routed at once. */
  private commit(): void {
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    // One commit at a time: the running one's completion releases what waits and commits again.
    if (this.committing) return;
    const messages = this.batch;
    this.batch = [];
    const channel = this.channel;
    if (!channel || messages.length === 0) return;
    const startedUs = nowUs();
    this.committing = true;
    this.commitChain = txCommit(channel).then(
      () => {
        const doneUs = nowUs();
        this.committing = false;
        this.pending -= messages.length;
        // tx.commit out, commit-ok in: one data exchange per batch.
        this.traffic.publishes++;
        this.traffic.confirms++;
        this.events.onLatency('commit', doneUs - startedUs);
        this.events.onCode(C.tx.commit);
        for (const m of messages) if (!m.isReply) this.events.onAck(m, doneUs, undefined);
        this.releaseHeld();
      },
      (err: unknown) => {
        this.committing = false;
        this.pending -= messages.length + this.held.length;
        this.events.onCode(C.tx.commit_failed);
        const { key, message } = channelError(err, `${this.init.clientId}: tx.commit of ${messages.length} messages`);
        this.events.onError(key, message);
        if (this.held.length > 0) this.events.onCode(C.tx.held_lost, this.held.length);
        this.held = [];
      },
    );
  }

  /** Publishes what was held during a commit, into the next transaction (stopping if that one commits). */
  private releaseHeld(): void {
    const channel = this.channel;
    while (channel && this.open && !this.committing && this.held.length > 0) {
      const { message, options } = this.held.shift() as { message: OutgoingMessage; options: Options.Publish };
      if (!channel.publish(this.exchange, message.topic, message.payload, options)) this.blocked = true;
      this.addToBatch(message);
    }
    // Closing: what is still held after the last commit goes out in one more.
    if (this.closing && !this.committing && this.batch.length > 0) this.commit();
  }

  private render(template: string): string {
    return renderTopic(template, this.init.fleet ?? '', this.init.index, this.init.runId ?? '');
  }
}

/** amqplib reads the heartbeat from the URL's query; it is negotiated in connection.tune. */
function withHeartbeat(url: string, seconds: number): string {
  try {
    const u = new URL(url);
    if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', String(seconds));
    return u.toString();
  } catch {
    return url;
  }
}
