// One virtual MQTT device, its own client on mqtt-packet: its client id, one session, and a new
// stream for every connection (connection.ts does the bytes, the wheel and the read fence).
// Enforces the in-flight window and the server's CONNACK limits, resends a kept session's
// unacknowledged packets, and reports acks, reason codes, messages, resends and why a
// connection was lost through DeviceEvents.
import type { IConnackPacket, Packet } from 'mqtt-packet';
import { FleetbenchError } from '../../base/errors.ts';
import { nowUs } from '../../metrics/clock.ts';
import type { WireTotalsByKind } from '../../power/wire.ts';
import type { DeviceEvents, DeviceInit, DriverDevice, OutgoingMessage, SendOutcome } from '../driver.ts';
import { addSecure, TlsMeter } from '../tls-meter.ts';
import { encode } from './codec.ts';
import { MQTT_CODES, reasonWords } from './codes.ts';
import { connectError, connectPacket, connectTimeout, willFor } from './connect.ts';
import { Phase, SHARED_READ, WHEEL } from './connection.ts';
import { MqttExchange } from './exchange.ts';
import { announced, type PublishOptions } from './limits.ts';
import { PLAIN_CLOSE, serverDisconnect, strongerLoss } from './loss.ts';
import type { ResolvedMqttOptions } from './options.ts';
import { subscribePacket } from './subscribe.ts';
import { isSecure, openStream } from './transport.ts';

const C = MQTT_CODES.keys;

function destroyStream(this: { destroy(): void }): void {
  this.destroy();
}

/** Closes, keep-alive bound and the bound on a close's wait for its acks and fence. */
const CLOSE_WAIT_MS = 2000;

export class MqttDevice extends MqttExchange implements DriverDevice {
  private window: number;
  /** honourLimits false: the Receive Maximum the broker announced, which the window does not keep to. */
  private ignoredReceiveMax = 0;
  /** When the connection's stream was created (µs): the connect latency runs from here to CONNACK. */
  private started = 0;
  private pendingConnect: { resolve: (us: number) => void; reject: (err: unknown) => void } | undefined;
  private closed: (() => void) | undefined;
  /** mqtts, ssl, wss: the TLS handshakes counted and the session offered on the next connect. */
  private readonly tls: TlsMeter | undefined;

  constructor(init: DeviceInit<ResolvedMqttOptions>, events: DeviceEvents) {
    // A preflight check asks for a clean session that ends with its connection ([MQTT-3.1.2-6],
    // 5.0 §3.1.2.11.2): a kept one would stay on the broker under the check's client id.
    super(
      init.probe ? { ...init, options: { ...init.options, clean: true, sessionExpirySec: undefined } } : init,
      events,
    );
    this.window = this.init.options.inflight;
    this.tls = isSecure(this.init.url) ? new TlsMeter({ resume: this.init.options.tls.resume }) : undefined;
  }

  override get wire(): WireTotalsByKind {
    const w = super.wire;
    if (this.tls) addSecure(w.secure, this.tls.totals);
    return w;
  }

  get connected(): boolean {
    return this.phase === Phase.Up;
  }

  /**
   * Opens a new connection. With a kept session, after CONNACK with session present the
   * unacknowledged PUBLISH (DUP=1) and PUBREL packets are resent ([MQTT-4.4.0-1]) before the
   * connection is reported up.
   */
  connect(): Promise<number> {
    const { url, options, clientId, connectTimeoutMs } = this.init;
    const previous = this.stream;
    // A connect without a loss first: the earlier connection is dropped, and its close is not a loss.
    if (previous) {
      this.detach(previous);
      previous.destroy();
    }
    WHEEL.cancel(this);
    this.loss = undefined;
    this.unread = undefined;
    this.resetAliases();
    return new Promise<number>((resolve, reject) => {
      this.pendingConnect = { resolve, reject };
      let stream: ReturnType<typeof openStream>;
      try {
        stream = openStream(url, options, SHARED_READ, this.init.localAddress, this.tls);
      } catch (err) {
        this.pendingConnect = undefined;
        reject(connectError(err, url, options.version));
        return;
      }
      this.started = nowUs();
      this.attach(stream);
      this.phase = Phase.Connecting;
      this.write(encode(connectPacket(options, url, clientId, willFor(this.init)), options.version), 'handshake');
      this.flush();
      WHEEL.schedule(this, connectTimeoutMs);
    });
  }

  subscribe(filters: readonly string[]): Promise<void> {
    if (this.phase !== Phase.Up) return Promise.reject(new Error('subscribe before connect'));
    const { subscribed, resumed } = this.session;
    // §4.1: the subscriptions are part of the session; a resumed one still holds them.
    const needed = filters.filter((f) => !(resumed && subscribed.has(f)));
    if (needed.length === 0) return Promise.resolve();
    // Before the SUBSCRIBE: the broker sends retained messages right behind its SUBACK.
    this.sharedOnly = [...subscribed, ...needed].every((f) => f.startsWith('$share/'));
    const o = this.init.options;
    for (const f of needed) {
      const refusal = this.limits?.refuseFilter(f, o.subscriptionIdentifier !== undefined);
      // honourLimits false: subscribed anyway, and counted as sent beyond the limit.
      if (refusal && !o.honourLimits) this.events.onCode(C.beyond.of(refusal.code));
      else if (refusal)
        return Promise.reject(
          Object.assign(new Error(`${this.init.clientId}: ${refusal.message}`), { code: refusal.code.toUpperCase() }),
        );
    }
    const messageId = this.newId();
    this.write(encode(subscribePacket(needed, o, messageId), this.version), 'handshake');
    return this.wait(messageId, needed);
  }

  send(message: OutgoingMessage): SendOutcome {
    if (this.phase !== Phase.Up) return 'not_connected';
    const t = this.template;
    const qos = t.qos;
    if (qos > 0 ? this.session.inflight >= this.window : this.fenceShut())
      return qos > 0 ? 'window_full' : 'backpressure';
    if (qos > 0 && this.ignoredReceiveMax > 0 && this.session.inflight >= this.ignoredReceiveMax)
      this.events.onCode(C.beyond.of('receive_maximum'));
    let options: PublishOptions = t;
    // MQTT 5 request/response (§4.10): the request carries Response Topic and Correlation Data;
    // the response echoes the Correlation Data.
    const extra = (message.replyTo !== undefined || message.correlation !== undefined) && this.version === 5;
    if (extra) {
      const properties = { ...t.properties };
      if (message.replyTo !== undefined) properties.responseTopic = message.replyTo;
      if (message.correlation !== undefined) properties.correlationData = message.correlation;
      options = { qos, retain: t.retain, properties };
    }
    // The client must not send what the server's CONNACK ruled out (§3.2.2.3): counted by name, not sent.
    const refusal = this.limits?.refusePublish(message.topic, message.payload, options, extra);
    if (refusal && !this.init.options.honourLimits) this.events.onCode(C.beyond.of(refusal.code));
    else if (refusal) {
      this.events.onError(`mqtt.${refusal.code}`, `${this.init.clientId}: ${refusal.message}`);
      return 'refused';
    }
    const id = qos > 0 ? this.newId() : 0;
    const size = this.publish(message.topic, message.payload, options, false, id, true);
    // QoS 0 has no ack (§4.3.1): only the read fence tells it was read.
    if (qos === 0) this.wroteUnconfirmed(size);
    else {
      this.store(message.topic, message.payload, options, id);
      this.session.track(id, message);
    }
    return 'sent';
  }

  /** Publishes a raw message (replies, retained fixtures) without stamping or window checks. */
  publishRaw(
    topic: string,
    payload: Buffer,
    extra: Partial<Pick<PublishOptions, 'qos' | 'retain'>> = {},
  ): Promise<void> {
    if (this.phase !== Phase.Up) return Promise.reject(new Error('not connected'));
    const options = { ...this.template, ...extra };
    const id = options.qos > 0 ? this.newId() : 0;
    this.publish(topic, payload, options, false, id, true);
    if (options.qos === 0) return Promise.resolve();
    this.store(topic, payload, options, id);
    return this.wait(id);
  }

  /**
   * DISCONNECT (§3.14) after the in-flight acks and a last read fence: a PINGREQ behind the last
   * QoS 0 publish, whose PINGRESP shows the broker read them all. Bounded: what is still
   * unconfirmed after CLOSE_WAIT_MS is left in `unread`.
   */
  close(): Promise<void> {
    if (this.phase !== Phase.Up) {
      if (this.phase === Phase.Connecting) this.stream?.destroy();
      return Promise.resolve();
    }
    this.phase = Phase.Closing;
    return new Promise((resolve) => {
      this.closed = resolve;
      WHEEL.schedule(this, CLOSE_WAIT_MS);
      this.tryClose();
    });
  }

  /** Abrupt close, no DISCONNECT: the broker publishes the Last Will ([MQTT-3.1.2-8]). */
  kill(): void {
    const s = this.stream;
    this.phase = Phase.Idle;
    WHEEL.cancel(this);
    if (s) {
      this.flush();
      this.detach(s);
      s.destroy();
    }
    this.dropWaiters('connection killed');
    this.inDoubt(this.session.lost());
  }

  protected onDeadline(): void {
    switch (this.phase) {
      case Phase.Connecting:
        this.fail(connectTimeout(this.init.url, this.init.connectTimeoutMs));
        break;
      case Phase.Up:
        // MQTT.js's words for the same event (loss.ts names it keepalive_timeout).
        if (!this.keepaliveDue()) this.abandon(new Error('Keepalive timeout'));
        break;
      case Phase.Closing:
        this.finishClose();
        break;
      case Phase.Ending:
        this.stream?.destroy();
        break;
    }
  }

  protected onStreamError(err: Error): void {
    this.fail(err);
  }

  protected onStreamClosed(): void {
    const phase = this.phase;
    this.phase = Phase.Idle;
    this.dropWaiters('Connection closed');
    if (phase === Phase.Connecting) {
      this.phase = Phase.Connecting;
      this.fail(Object.assign(new Error('connection closed before CONNACK'), { code: 'ECONNRESET' }));
    } else if (phase === Phase.Up) {
      // A device that sends no PINGREQ: how long after its last packet the broker closed the
      // connection (1.5 × Keep Alive, [MQTT-3.1.2-22]; 3.1.1 [MQTT-3.1.2-24]).
      if (!this.init.options.pings) this.events.onLatency('idle_close', this.sinceLastSentUs());
      this.inDoubt(this.session.lost());
      const loss = this.loss ?? PLAIN_CLOSE;
      this.events.onDisconnect(loss.key, `${this.init.clientId}: ${loss.message}`, loss.cause);
    } else if (phase === Phase.Closing || phase === Phase.Ending) {
      const u = this.unconfirmed;
      if (phase === Phase.Closing && u.messages > 0) this.unread = u;
      this.closed?.();
      this.closed = undefined;
    }
  }

  private fail(err: unknown): void {
    if (this.phase !== Phase.Connecting) return;
    this.phase = Phase.Idle;
    WHEEL.cancel(this);
    const s = this.stream;
    if (s) {
      this.detach(s);
      s.destroy();
    }
    const pending = this.pendingConnect;
    this.pendingConnect = undefined;
    const { url, options } = this.init;
    pending?.reject(err instanceof FleetbenchError ? err : connectError(err, url, options.version));
  }

  private tryClose(): void {
    if (this.phase !== Phase.Closing || this.session.inflight > 0) return;
    if (this.unconfirmed.messages > 0) {
      if (this.pingSentMs === 0) this.ping();
      return;
    }
    this.finishClose();
  }

  private finishClose(): void {
    const u = this.unconfirmed;
    this.unread = u.messages > 0 ? u : undefined;
    this.phase = Phase.Ending;
    this.write(encode({ cmd: 'disconnect' }, this.version), 'handshake');
    this.flush();
    // [MQTT-3.14.4-1]: after DISCONNECT the client closes the connection; it does not wait for
    // the broker's FIN, only for its own bytes to be written (then bounded by the wheel).
    this.stream?.once('finish', destroyStream).end();
    WHEEL.schedule(this, CLOSE_WAIT_MS);
  }

  protected onPacket(packet: Packet): void {
    switch (packet.cmd) {
      case 'publish':
        this.onPublish(packet);
        break;
      case 'puback':
      case 'pubrec':
      case 'pubcomp':
        this.onAck(packet.cmd, packet.messageId ?? 0, packet.reasonCode ?? 0);
        break;
      case 'pubrel':
        this.onPubrel(packet.messageId ?? 0);
        break;
      case 'pingresp':
        this.pong();
        break;
      case 'suback':
        this.onSuback(packet.messageId ?? 0, packet.granted as number[]);
        break;
      case 'connack':
        this.onConnack(packet);
        break;
      case 'disconnect': {
        // §3.14 (5.0): the server says why it closes the connection.
        const reason = packet.reasonCode ?? 0;
        this.events.onCode(C.disconnect.of(reason));
        this.loss = strongerLoss(this.loss, serverDisconnect(reason));
        break;
      }
      case 'auth':
        // §4.12: enhanced authentication is not offered; an AUTH from the server is a protocol error.
        this.abandon(new Error('the broker sent AUTH, but no enhanced authentication was asked for (§4.12)'));
        break;
      default:
        break;
    }
    if (this.phase === Phase.Closing) this.tryClose();
  }

  private onConnack(packet: IConnackPacket): void {
    if (this.phase !== Phase.Connecting) return;
    const o = this.init.options;
    const code = (o.version === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
    if (code !== 0) {
      this.fail(Object.assign(new Error(`Connection refused: ${reasonWords(code)}`), { code }));
      return;
    }
    WHEEL.cancel(this);
    const props = packet.properties;
    this.connackLimits(props);
    if (o.version === 5) {
      const said = announced(props);
      for (const a of said.announced) this.events.onCode(C.announced.of(a));
      for (const a of said.unannounced) this.events.onCode(C.unannounced.of(a));
    }
    const { state, inDoubt } = this.session.connack(packet.sessionPresent);
    this.events.onCode(C.session[state]);
    this.inDoubt(inDoubt);
    // [MQTT-3.3.4-7] (5.0): never exceed the server's Receive Maximum of unacked QoS 1/2 publishes.
    const serverMax = o.honourLimits ? props?.receiveMaximum : undefined;
    this.ignoredReceiveMax = o.honourLimits ? 0 : (props?.receiveMaximum ?? 0);
    this.window = serverMax ? Math.min(o.inflight, serverMax) : o.inflight;
    this.phase = Phase.Up;
    if (this.session.resumed) this.replay();
    // [MQTT-3.2.2-21]: the server's Keep Alive replaces the client's. Without pings the device
    // keeps no deadline: it waits, silent, for the broker to close the connection.
    this.startKeepalive(o.pings ? (props?.serverKeepAlive ?? o.keepaliveSec) : 0);
    const pending = this.pendingConnect;
    this.pendingConnect = undefined;
    pending?.resolve(nowUs() - this.started);
  }
}
