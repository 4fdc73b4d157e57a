// One virtual AMQP 0-9-1 client (amqplib): its own connection and channel. Publishers send to an
// exchange with the rendered topic as routing key, timed to the publisher confirm or the transaction
// commit; consumers declare a queue, bind it, and consume with prefetch and manual acks. Bytes are
// the socket's counts: every frame, heartbeats included. A lost connection is reported once; connect()
// again opens a new connection, re-declares the topology, re-consumes and republishes the unconfirmed.
import type { Socket } from 'node:net';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import { FleetbenchError } from '../../base/errors.ts';
import { maskUrl } from '../../base/url.ts';
import { nowUs } from '../../metrics/clock.ts';
import type { WireTotalsByKind } from '../../power/wire.ts';
import type { DeviceEvents, DeviceInit, DriverDevice, HeldMessages, OutgoingMessage, SendOutcome } from '../driver.ts';
import { renderTopic } from '../topics.ts';
import { AMQP_CODES } from './codes.ts';
import { ConfirmWindow, type Unconfirmed } from './confirms.ts';
import { AmqpConsumer } from './consumer.ts';
import { amqpConnectError, channelError, connectTimeoutError } from './errors.ts';
import { lossOf } from './loss.ts';
import type { ResolvedAmqpOptions } from './options.ts';
import { publishProperties, withReply } from './publish-options.ts';
import { type AmqpsMeter, amqpsMeter, socketOptions, withSecure } from './socket.ts';
import { type Consuming, declareAndConsume, queueStore, sameFilters, withHeartbeat } from './topology.ts';
import { txSelect } from './tx.ts';
import { TxBatcher } from './tx-batch.ts';
import { type AmqpTraffic, amqpWire, emptyTraffic, OPENING_WAITS, tapFrames } from './wire.ts';

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
  /** close() or kill() was called for the current connection: its end is not a loss. */
  private closing = false;
  /** The current connection is gone (lost or killed); reported at most once. */
  private down = false;
  /** The current connection finished its setup once: only then is its end a loss. */
  private established = false;
  /** The channel acks may go to: undefined from the moment it closes. */
  private live: Channel | undefined;
  private setupDone = false;
  private blocked = false;
  /** Confirm mode: publishes awaiting basic.ack; they survive a lost connection and are republished. */
  private readonly unconfirmed: ConfirmWindow;
  private readonly tx: TxBatcher | undefined;
  /** The filters of the last subscribe(): the queue, bindings and consumer to restore on a new channel. */
  private consuming: readonly string[] | undefined;
  /** The channel the consumer was last started on (subscribe() on it again is a no-op), its queue and tag. */
  private consumingOn: Channel | undefined;
  private consumed: Consuming | undefined;
  /** The consumed queue's depth at the last graceful close (DriverDevice.held). */
  held: HeldMessages | undefined;
  private readonly exchange: string;
  private readonly publishOptions: Options.Publish;
  /** The consumer side: deliveries, acks, rejects and the unacked peak. */
  private readonly consumer: AmqpConsumer;
  /** Bytes of earlier connections (a sleep-session device opens one per report, a lost one is replaced). */
  private readonly earlier = { sent: 0, received: 0 };
  /** For the power model (see wire.ts). */
  private readonly traffic: AmqpTraffic = emptyTraffic();
  /** amqps: the TLS handshakes counted and the session offered on the next connect. */
  private readonly tls: AmqpsMeter | undefined;

  constructor(
    private readonly init: DeviceInit<ResolvedAmqpOptions>,
    private readonly events: DeviceEvents,
  ) {
    const o = init.options;
    this.tls = amqpsMeter(init.url, o.tls.resume);
    this.exchange = this.render(o.exchange);
    this.publishOptions = publishProperties(o);
    this.unconfirmed = new ConfirmWindow(events, init.clientId, () => this.traffic.confirms++);
    this.consumer = new AmqpConsumer(o, init.clientId, events, () => this.live);
    if (o.tx)
      this.tx = new TxBatcher(o.tx, {
        channel: () => (this.open ? this.channel : undefined),
        publish: (channel, entry) => this.publish(channel, entry),
        closing: () => this.closing,
        committed: () => {
          this.traffic.publishes++;
          this.traffic.confirms++;
        },
        events,
        who: init.clientId,
      });
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
    const delivered = this.consumer.deliveries;
    const acked = this.init.options.ack === 'manual' ? delivered : 0;
    return withSecure(amqpWire(this.traffic, this.bytes, acked, delivered), this.tls);
  }

  async connect(): Promise<number> {
    const { url, options, connectTimeoutMs } = this.init;
    this.retire();
    this.held = undefined;
    this.closing = false;
    this.down = false;
    this.established = false;
    this.setupDone = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(connectTimeoutError(url, connectTimeoutMs)), connectTimeoutMs);
    });
    // Connect latency: from the connect() call (the socket opens inside it) to Connection.OpenOk
    // (AMQP 0-9-1 §1.4.2.8), not the channel and topology set up after it.
    const started = nowUs();
    const secure = this.tls?.open(url, this.init.localAddress);
    const opening = amqp.connect(withHeartbeat(url, options.heartbeatSec), socketOptions(this.init, secure?.options));
    try {
      const model = await Promise.race([opening, timeout]);
      const openedUs = nowUs();
      this.adopt(model);
      if (this.socket) secure?.settle(this.socket);
      const channel = await Promise.race([this.openChannel(model), timeout]);
      // The topology of the earlier connection, again: an exclusive or auto-delete queue died with it.
      if (this.consuming) await Promise.race([this.consume(channel, this.consuming), timeout]);
      this.open = this.established = this.setupDone = true;
      this.traffic.connections++;
      this.traffic.handshakeWaits += OPENING_WAITS;
      this.traffic.handshakeSent += this.socket?.bytesWritten ?? 0;
      this.traffic.handshakeReceived += this.socket?.bytesRead ?? 0;
      this.republish(channel);
      return openedUs - started;
    } catch (err) {
      // A late connection (after a timeout) must not linger.
      opening.then(
        (m) => m.close().catch(() => undefined),
        () => undefined,
      );
      this.open = false;
      this.down = true;
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
    // connect() already restored this consumer on the new channel.
    if (this.consumingOn === channel && sameFilters(this.consuming, filters)) return;
    this.setupDone = false;
    try {
      await this.consume(channel, filters);
      this.setupDone = true;
    } catch (err) {
      const { key, message } = channelError(
        err,
        `queue ${JSON.stringify(this.init.options.queue.name ?? '(server-named)')}`,
      );
      throw Object.assign(new Error(message), { code: key });
    }
  }

  send(message: OutgoingMessage): SendOutcome {
    const channel = this.channel;
    const o = this.init.options;
    if (!channel || !this.open || this.closing) return 'not_connected';
    const window = o.confirm ? this.unconfirmed.size : (this.tx?.pending ?? 0);
    if ((o.confirm || this.tx) && !message.isReply && window >= o.inflight) return 'window_full';
    if (this.blocked || (this.socket?.writableLength ?? 0) > BACKPRESSURE_BYTES) return 'backpressure';
    const entry: Unconfirmed = { message, options: withReply(this.publishOptions, message) };
    if (this.tx) this.tx.send(channel, entry);
    else this.publish(channel, entry);
    return 'sent';
  }

  async close(): Promise<void> {
    const model = this.model;
    if (this.closing || this.down || !model) {
      // Down (lost or killed) and not connected again: what it kept for republishing never goes out.
      this.closing = true;
      this.consumer.stop();
      this.unconfirmed.abandon();
      return;
    }
    this.closing = true;
    if (this.tx?.uncommitted) this.tx.commit();
    const from = this.bytes;
    let finished = false;
    const done = (async () => {
      // A consumer stops, settles what it received (a delivery still unacked when its channel
      // closes would be requeued, AMQP 0-9-1 §1.8.3.13) and reads what its queue still holds.
      const consumed = this.consumed;
      if (consumed && this.live && this.consumingOn === this.live) {
        const count = await this.consumer.finish(this.live, consumed);
        if (count !== undefined) this.held = { store: queueStore(this.init.url, consumed.queue), count };
      }
      // Commits chain through the batcher's release: wait until none is left in progress.
      for (let i = 0; i < 100 && this.tx?.busy; i++) await this.tx.whenCommitted();
      // What is still buffered must reach the broker before the connection closes.
      while ((this.socket?.writableLength ?? 0) > 0 && !this.socket?.destroyed)
        await new Promise((resolve) => setTimeout(resolve, 10));
      await model.close();
      finished = true;
    })().catch(() => undefined);
    // A dead broker must not hang shutdown; a connect() meanwhile (back from `offline`) owns the device now.
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, CLOSE_BOUND_MS).unref())]);
    if (this.model !== model) return;
    if (!finished) this.socket?.destroy();
    this.consumer.stop();
    this.open = false;
    this.live = undefined;
    // The channel closed with these unconfirmed: the broker may or may not have them.
    this.unconfirmed.leftAtClose();
    // connection.close / close-ok (and channel.close) are teardown, priced with the handshake.
    const to = this.bytes;
    this.traffic.handshakeSent += to.sent - from.sent;
    this.traffic.handshakeReceived += to.received - from.received;
  }

  kill(): void {
    this.closing = true;
    this.open = false;
    this.down = true;
    this.consumer.stop();
    this.socket?.destroy();
    // Confirm mode keeps its unconfirmed publishes for the next connect(); a transaction dies here.
    const uncommitted = this.tx?.drop() ?? 0;
    if (uncommitted > 0) this.events.onInDoubt(uncommitted);
  }

  /** basic.publish, with a confirm callback in confirm mode. */
  private publish(channel: Channel, entry: Unconfirmed): void {
    const { message, options } = entry;
    let written: boolean;
    if (this.init.options.confirm) {
      const id = this.unconfirmed.add(entry);
      written = (channel as ConfirmChannel).publish(this.exchange, message.topic, message.payload, options, (err) =>
        this.unconfirmed.confirmed(id, err),
      );
    } else written = channel.publish(this.exchange, message.topic, message.payload, options);
    // publish() returns false when the channel's write buffer is full: wait for 'drain'.
    if (!written) this.blocked = true;
    this.traffic.publishes++;
  }

  /** After a reconnect: what the lost connection left unconfirmed goes out again, oldest first. */
  private republish(channel: Channel): void {
    const again = this.unconfirmed.take();
    if (again.length === 0) return;
    for (const entry of again) this.publish(channel, entry);
    this.events.onResend(again.length);
  }

  /** A channel with confirm.select or tx.select, and the exchange declared when the scenario gives its type. */
  private async openChannel(model: ChannelModel): Promise<Channel> {
    const options = this.init.options;
    // confirm.select (RabbitMQ's publisher-confirms extension) or tx.select (class tx), once per channel.
    const channel = options.confirm ? await model.createConfirmChannel() : await model.createChannel();
    this.watchChannel(channel);
    this.channel = channel;
    this.live = channel;
    this.blocked = false;
    if (options.tx) await txSelect(channel);
    // exchange.declare (class exchange, 40/10): only when the scenario gives a type; otherwise it must exist.
    if (options.exchangeType) await channel.assertExchange(this.exchange, options.exchangeType, { durable: true });
    return channel;
  }

  /** The consumer's queue, bindings and basic.consume on `channel`, remembered for the next channel. */
  private async consume(channel: Channel, filters: readonly string[]): Promise<void> {
    this.consumed = await declareAndConsume(channel, this.init.options, this.exchange, filters, {
      render: (t) => this.render(t),
      deliver: (m) => this.consumer.deliver(m),
    });
    this.consuming = [...filters];
    this.consumingOn = channel;
  }

  private adopt(model: ChannelModel): void {
    this.model = model;
    this.socket = (model.connection as unknown as { stream: Socket }).stream;
    tapFrames(model.connection, this.traffic);
    // Every connection error is followed by 'close' with the same error, which reports it.
    model.on('error', () => undefined);
    model.on('close', (err?: unknown) => this.lost(model, err));
    // RabbitMQ's connection.blocked (a resource alarm): publishes stall until unblocked.
    model.on('blocked', (reason: string) => this.events.onCode(C.connection.of(`blocked: ${reason}`)));
  }

  /** The connection ended: reported once, unless close() or kill() ended it. */
  private lost(model: ChannelModel, err: unknown): void {
    if (model !== this.model || this.down || !this.established) return;
    this.down = true;
    this.open = false;
    this.consumer.stop();
    // Confirm mode keeps the unconfirmed for the next connect(); never a nack the broker did not send.
    const uncommitted = this.tx?.drop() ?? 0;
    if (uncommitted > 0) this.events.onInDoubt(uncommitted);
    if (this.closing) return;
    // A connection that missed its heartbeats may still hold a socket (amqplib only ends it).
    this.socket?.destroy();
    const loss = lossOf(err, this.init.clientId);
    // connection.close (10/50) from the broker: its reply code, e.g. 320 CONNECTION_FORCED.
    if (loss.replyCode !== undefined) this.events.onCode(C.connection_close.of(loss.replyCode));
    this.events.onDisconnect(loss.key, loss.message, loss.cause);
  }

  private watchChannel(channel: Channel): void {
    let fault: unknown;
    // basic.return (60/50): a mandatory message that no queue took, with its reply code (312 NO_ROUTE).
    channel.on('return', (m: { fields: { replyCode: number } }) => this.events.onCode(C.return.of(m.fields.replyCode)));
    channel.on('drain', () => {
      this.blocked = false;
    });
    // amqplib emits 'error' only for the broker's channel.close (§1.5.2.5, e.g. 404 NOT_FOUND on
    // publish), then 'close'; a channel closed with its connection just closes.
    channel.on('error', (err: unknown) => {
      fault = err;
      // During setup the failing RPC reports the error itself; afterwards it is counted here.
      if (!this.setupDone) return;
      const { key, message } = channelError(err, `${this.init.clientId}: channel closed by the broker`);
      this.events.onError(key, message);
    });
    channel.on('close', () => {
      if (this.live === channel) this.live = undefined;
      if (this.channel !== channel) return;
      this.open = false;
      if (fault === undefined || !this.setupDone || this.closing || this.down) return;
      this.channelFailed();
    });
  }

  /**
   * The broker closed the channel, not the connection: an error, not a disconnect. What was in
   * flight on it is in doubt (republishing a message that closed the channel would close the
   * next one too); a new channel is opened at once on the same connection, with the consumer
   * restored, and the device carries on. If that fails, the connection is given up as lost.
   */
  private channelFailed(): void {
    const inFlight = this.unconfirmed.take().length + (this.tx?.drop() ?? 0);
    if (inFlight > 0) this.events.onInDoubt(inFlight);
    this.consumer.stop();
    const model = this.model as ChannelModel;
    void (async () => {
      const channel = await this.openChannel(model);
      if (this.consuming) await this.consume(channel, this.consuming);
      if (model !== this.model || this.down || this.closing) return;
      this.open = true;
      this.events.onCode(C.channel.reopened);
    })().catch((err: unknown) => {
      if (model !== this.model || this.down || this.closing) return;
      const { key, message } = channelError(err, `${this.init.clientId}: reopening the channel`);
      this.down = true;
      this.socket?.destroy();
      this.events.onDisconnect(key, message, 'error');
    });
  }

  /** Before a new connection: keep the old one's byte counts and let it go. */
  private retire(): void {
    if (this.socket) {
      this.earlier.sent += this.socket.bytesWritten;
      this.earlier.received += this.socket.bytesRead;
      this.socket.destroy();
    }
    this.socket = undefined;
    this.model = undefined;
    this.channel = undefined;
    this.consumingOn = undefined;
    this.open = false;
  }

  private render(template: string): string {
    return renderTopic(template, this.init.fleet ?? '', this.init.index, this.init.runId ?? '');
  }
}
