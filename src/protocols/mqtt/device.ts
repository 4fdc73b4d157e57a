// One virtual MQTT device: its client id, one session, and a new MQTT.js client and socket for
// every connection. Counts the exact bytes MQTT.js writes to and reads from the stream, enforces
// the device's in-flight window, and reports acks, reason codes, messages, resends and why a
// connection was lost through DeviceEvents.

import { type IClientPublishOptions, type MqttClient, connect as mqttConnect, type Packet } from 'mqtt';
import { generate as generatePacket } from 'mqtt-packet';
import { FleetbenchError } from '../../base/errors.ts';
import { formatHex } from '../../base/format.ts';
import { nowUs } from '../../metrics/clock.ts';
import { mqttPacketBytes } from '../../power/accounting.ts';
import { type WireKind, WireLog } from '../../power/wire.ts';
import type { DeviceEvents, DeviceInit, DriverDevice, OutgoingMessage, SendOutcome } from '../driver.ts';
import { isSubackFailure, MQTT_CODES, reasonWords } from './codes.ts';
import { clientOptions, connectError, connectTimeout, willFor } from './connect.ts';
import { announcements, ServerLimits } from './limits.ts';
import { errorLoss, type Loss, PLAIN_CLOSE, serverDisconnect, strongerLoss } from './loss.ts';
import type { ResolvedMqttOptions } from './options.ts';
import { keepsSession, MqttSession } from './session.ts';
import { countStreamBytes, kindOf } from './wire.ts';

const C = MQTT_CODES.keys;

/** QoS 0 sends are refused while this many bytes wait in the socket's write buffer. */
const BACKPRESSURE_BYTES = 1 << 20;

export class MqttDevice implements DriverDevice {
  readonly bytes = { sent: 0, received: 0 };
  private readonly log = new WireLog();
  /** The kind of the packet MQTT.js is writing: it emits 'packetsend' just before the write. */
  private sending: WireKind = 'handshake';
  private client: MqttClient | undefined;
  /** Connected, and MQTT.js has replayed the session: a publish goes out at once. */
  private ready = false;
  private window: number;
  private closing = false;
  private readonly publishOptions: IClientPublishOptions;
  private readonly session: MqttSession;
  /** What the broker's CONNACK announced on the current connection (5.0 §3.2.2.3). */
  private readonly limits: ServerLimits;
  /** Why the current connection is going away, once MQTT.js, the socket or the broker said so. */
  private loss: Loss | undefined;
  /** The last client whose loss was reported: a connection is lost once. */
  private reported: MqttClient | undefined;

  private readonly init: DeviceInit<ResolvedMqttOptions>;
  /** Every filter subscribed is a shared subscription ($share/...): a retained message to it is a violation. */
  private sharedOnly = false;

  constructor(
    init: DeviceInit<ResolvedMqttOptions>,
    private readonly events: DeviceEvents,
  ) {
    // A preflight check asks for a clean session that ends with its connection ([MQTT-3.1.2-6],
    // 5.0 §3.1.2.11.2): a kept one would stay on the broker under the check's client id.
    this.init = init.probe ? { ...init, options: { ...init.options, clean: true, sessionExpirySec: undefined } } : init;
    const o = this.init.options;
    this.window = o.inflight;
    this.session = new MqttSession(keepsSession(o));
    this.publishOptions = { qos: o.qos, retain: o.retain };
    if (o.version === 5) {
      const properties: NonNullable<IClientPublishOptions['properties']> = {};
      if (o.messageExpirySec !== undefined) properties.messageExpiryInterval = o.messageExpirySec;
      if (o.userProperties) properties.userProperties = o.userProperties;
      this.publishOptions.properties = properties;
    }
    this.limits = new ServerLimits(o.version, this.publishOptions, o.topicAlias);
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  get wire(): WireLog['totals'] {
    return this.log.totals;
  }

  /**
   * Connects with a new MQTT.js client. With a kept session the client gets the session's
   * stores: after CONNACK with session present, MQTT.js resends the unacknowledged PUBLISH
   * (DUP=1) and PUBREL packets, one at a time, each after the ack of the one before, before it
   * reports the connection up; the connect latency includes that replay.
   */
  connect(): Promise<number> {
    const { url, clientId, options, connectTimeoutMs } = this.init;
    this.closing = false;
    this.ready = false;
    this.loss = undefined;
    const previous = this.client;
    return new Promise<number>((resolve, reject) => {
      let state: 'connecting' | 'up' | 'failed' = 'connecting';
      // manualConnect: MQTT.js writes CONNECT synchronously inside connect(), so the byte
      // counter must be listening before the stream exists.
      const client = mqttConnect(url, {
        ...clientOptions(options, clientId, connectTimeoutMs, willFor(this.init)),
        manualConnect: true,
        incomingStore: this.session.incoming,
        outgoingStore: this.session.outgoing,
      });
      this.client = client;
      // A connect without a loss first: the earlier connection is dropped, and its close is not a loss.
      if (previous && previous.stream?.destroyed === false) previous.end(true);
      this.listen(client);
      this.log.opened();
      // The connect latency runs from the socket's creation (MQTT.js's stream builder, for every
      // scheme) to CONNACK: building the client, and what client.connect() does before it opens
      // the socket, are the generator's cost, not the broker's.
      let started = nowUs();
      // MQTT.js's types keep streamBuilder private; it is where every scheme opens its socket.
      const builder = client as unknown as { streamBuilder: (c: MqttClient) => unknown };
      const build = builder.streamBuilder;
      builder.streamBuilder = (c) => {
        started = nowUs();
        return build(c);
      };
      client.connect();
      countStreamBytes(
        client,
        (size) => {
          this.bytes.sent += size;
          this.log.sent(this.sending, size, 0);
        },
        (size) => {
          this.bytes.received += size;
        },
      );
      // Nagle + delayed ACK would add up to 40 ms per small packet on loopback and bury the
      // broker's latency, so Nagle is disabled by default, as emqtt-bench does (tcpNoDelay: false restores it).
      const socket = client.stream as { setNoDelay?: (on: boolean) => void };
      socket.setNoDelay?.(options.tcpNoDelay);
      const timer = setTimeout(() => fail(connectTimeout(url, connectTimeoutMs)), connectTimeoutMs);
      const fail = (err: unknown): void => {
        if (state !== 'connecting') return;
        state = 'failed';
        clearTimeout(timer);
        client.end(true);
        reject(err instanceof FleetbenchError ? err : connectError(err, url, options.version));
      };
      client.once('connect', (connack) => {
        if (state !== 'connecting') return;
        state = 'up';
        clearTimeout(timer);
        // [MQTT-3.3.4-7] (5.0): never exceed the server's Receive Maximum of unacked QoS 1/2 publishes.
        const serverMax = connack.properties?.receiveMaximum;
        this.window = serverMax ? Math.min(options.inflight, serverMax) : options.inflight;
        this.ready = true;
        resolve(nowUs() - started);
      });
      client.on('error', (err) => (state === 'up' ? this.clientError(client, err) : fail(err)));
      client.on('close', () =>
        state === 'up'
          ? this.clientClosed(client)
          : fail(Object.assign(new Error('connection closed before CONNACK'), { code: 'ECONNRESET' })),
      );
    });
  }

  subscribe(filters: readonly string[]): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('subscribe before connect'));
    const { subscribed, resumed } = this.session;
    // §4.1: the subscriptions are part of the session; a resumed one still holds them.
    const needed = filters.filter((f) => !(resumed && subscribed.has(f)));
    if (needed.length === 0) return Promise.resolve();
    const qos = this.init.options.qos;
    // Before the SUBSCRIBE: the broker sends retained messages right behind its SUBACK.
    this.sharedOnly = [...subscribed, ...needed].every((f) => f.startsWith('$share/'));
    for (const f of needed) {
      const refusal = this.limits.refuseFilter(f);
      if (refusal)
        return Promise.reject(
          Object.assign(new Error(`${this.init.clientId}: ${refusal.message}`), { code: refusal.code.toUpperCase() }),
        );
    }
    return new Promise((resolve, reject) => {
      client.subscribe(needed, { qos }, (err, granted) => {
        for (const g of granted ?? []) {
          this.events.onCode(C.suback.of(g.qos));
          // [MQTT-3.9.3] a granted code ≥ 0x80 is a refusal of that filter.
          if (isSubackFailure(g.qos))
            return reject(
              Object.assign(new Error(`subscription to ${g.topic} refused: ${reasonWords(g.qos)}`), {
                code: `SUBACK_${g.qos}`,
              }),
            );
        }
        if (err) return reject(err);
        for (const f of needed) subscribed.add(f);
        resolve();
      });
    });
  }

  send(message: OutgoingMessage): SendOutcome {
    const client = this.client;
    if (!client?.connected || !this.ready || this.closing) return 'not_connected';
    const qos = this.publishOptions.qos ?? 0;
    if (qos > 0 && this.session.inflight >= this.window) return 'window_full';
    if (qos === 0 && client.stream.writableLength > BACKPRESSURE_BYTES) return 'backpressure';
    let options = this.publishOptions;
    const extra =
      (message.replyTo !== undefined || message.correlation !== undefined) && this.init.options.version === 5;
    if (extra) {
      // MQTT 5 request/response (§4.10): the request carries Response Topic and Correlation
      // Data; the response echoes the Correlation Data.
      const properties = { ...options.properties };
      if (message.replyTo !== undefined) properties.responseTopic = message.replyTo;
      if (message.correlation !== undefined) properties.correlationData = message.correlation;
      options = { ...options, properties };
    }
    // The client must not send what the server's CONNACK ruled out (§3.2.2.3): counted by name, not sent.
    const refusal = this.limits.refusePublish(message.topic, message.payload, options, extra);
    if (refusal) {
      this.events.onError(`mqtt.${refusal.code}`, `${this.init.clientId}: ${refusal.message}`);
      return 'refused';
    }
    if (qos === 0) {
      // QoS 0 has no ack (§4.3.1): the callback only means the bytes were written.
      client.publish(message.topic, message.payload, options, (err) => err && this.publishFailed(err));
      return 'sent';
    }
    let id: number | undefined;
    let early: Error | undefined;
    client.publish(message.topic, message.payload, options, (err) => {
      // Acks, and refusals in them, are matched by packet identifier (onAckPacket), for this
      // client's publishes and a resumed session's alike. 'Connection closed': the message is
      // still in flight, and the loss decides whether it is resent or in doubt.
      if (!err || typeof (err as { code?: unknown }).code === 'number' || err.message === 'Connection closed') return;
      if (id === undefined) early = err;
      else if (this.session.settle(id)) this.publishFailed(err);
    });
    if (early) this.publishFailed(early);
    else {
      // The device sends only when MQTT.js is not replaying its store, so publish() allocated the identifier just now.
      id = client.getLastMessageId();
      this.session.track(id, message);
    }
    return 'sent';
  }

  /** Publishes a raw message (replies, retained fixtures) without stamping or window checks. */
  publishRaw(topic: string, payload: Buffer, extra: IClientPublishOptions = {}): Promise<void> {
    const client = this.client;
    if (!client?.connected) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) =>
      client.publish(topic, payload, { ...this.publishOptions, ...extra }, (err) => (err ? reject(err) : resolve())),
    );
  }

  close(): Promise<void> {
    const client = this.client;
    this.closing = true;
    this.ready = false;
    if (client?.stream?.destroyed !== false) return Promise.resolve();
    return new Promise((resolve) => {
      // A graceful end() waits for in-flight acks; bound it so a dead broker cannot hang shutdown.
      const timer = setTimeout(() => client.end(true, {}, () => resolve()), 2000);
      client.end(false, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Abrupt close, no DISCONNECT: the broker publishes the Last Will ([MQTT-3.1.2-8]). */
  kill(): void {
    this.closing = true;
    this.ready = false;
    this.client?.stream?.destroy();
    this.inDoubt(this.session.lost());
  }

  private listen(client: MqttClient): void {
    client.on('packetsend', (packet: Packet) => {
      this.sending = kindOf(packet.cmd);
      this.log.sent(this.sending, 0);
      if (packet.cmd === 'connect') {
        // §3.1: the CONNECT is written before the byte counter exists; it is sized with MQTT.js's own encoder.
        const size = generatePacket(packet, { protocolVersion: this.init.options.version }).length;
        this.bytes.sent += size;
        this.log.sent('handshake', size, 0);
      } else if (packet.cmd === 'publish' && packet.dup && this.session.tracks(packet.messageId)) {
        // Only the session store's replay sets DUP: one of our messages sent again ([MQTT-3.3.1-1]).
        this.events.onResend(1);
      }
    });
    client.on('packetreceive', (packet: Packet) => {
      this.log.received(kindOf(packet.cmd), mqttPacketBytes(packet.length ?? 0));
      if (client === this.client) this.onPacket(packet);
    });
    // Installed before CONNACK: a resumed session's queued messages arrive before MQTT.js reports the connection up.
    client.on('message', (topic, payload, packet) => {
      const props = packet.properties;
      // 5.0 §4.8.2, §3.3.1.3: retained messages are sent for a new Non-shared Subscription only;
      // one sent to a member of a shared subscription is a broker's protocol violation.
      if (packet.retain && this.sharedOnly)
        this.events.onError(
          'mqtt.retained_to_shared_subscription',
          `${this.init.clientId}: the broker sent a retained message on ${topic} to a shared subscription (MQTT 5 §4.8.2)`,
        );
      this.events.onMessage({
        topic,
        payload,
        receivedUs: nowUs(),
        retained: packet.retain,
        ...(props?.responseTopic === undefined ? {} : { replyTo: props.responseTopic }),
        ...(props?.correlationData === undefined ? {} : { correlation: props.correlationData }),
      });
    });
  }

  private onPacket(packet: Packet): void {
    if (packet.cmd === 'connack') {
      const refused = (this.init.options.version === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
      if (refused !== 0) return;
      this.limits.connack(packet.properties);
      for (const a of announcements(packet.properties)) this.events.onCode(C.announced.of(a));
      // Before MQTT.js replays the store: a session that is not resumed is emptied first.
      const { state, inDoubt } = this.session.connack(packet.sessionPresent);
      this.events.onCode(C.session[state]);
      this.inDoubt(inDoubt);
    } else if (packet.cmd === 'puback' || packet.cmd === 'pubrec' || packet.cmd === 'pubcomp') {
      // 3.1.1 acks carry no reason code; 5.0 omits it when it is 0x00 (§3.4.2.1).
      const reason = packet.reasonCode ?? 0;
      this.events.onCode(C[packet.cmd].of(reason));
      if (this.wrongAck(packet.cmd, packet.messageId)) return;
      // §4.3.3: a PUBREC below 0x80 goes on with PUBREL; QoS 2 ends at PUBCOMP.
      if (packet.cmd === 'pubrec' && reason < 0x80) return;
      const message = this.session.settle(packet.messageId);
      if (!message) return;
      // §3.4.2.1: 0x10 (no matching subscribers) is a success; ≥ 0x80 a refusal.
      if (reason < 0x80) this.events.onAck(message, nowUs(), undefined);
      else
        this.events.onError(
          `mqtt.publish_${reason}`,
          `${this.init.clientId}: publish refused: ${reasonWords(reason)} (${formatHex(reason)})`,
        );
    } else if (packet.cmd === 'disconnect') {
      const reason = packet.reasonCode ?? 0;
      this.events.onCode(C.disconnect.of(reason));
      this.loss = strongerLoss(this.loss, serverDisconnect(reason));
    }
  }

  /**
   * §4.3.2, §4.3.3: QoS 1 ends at PUBACK; QoS 2 goes PUBREC, PUBREL, PUBCOMP. An ack of the
   * other flow for one of our messages (RabbitMQ's MQTT plugin answers QoS 2 with PUBACK, and
   * MQTT.js takes it as the end of the flow) is the broker breaking the protocol: the message
   * ends unacknowledged, counted as errors.mqtt.wrong_ack and under violation|wrong_ack.
   */
  private wrongAck(cmd: 'puback' | 'pubrec' | 'pubcomp', messageId: number | undefined): boolean {
    const qos = this.publishOptions.qos ?? 0;
    const wrong = qos === 2 ? cmd === 'puback' : qos === 1 && cmd !== 'puback';
    if (!wrong || !this.session.tracks(messageId)) return false;
    this.session.settle(messageId);
    this.events.onCode(C.violation.wrong_ack);
    this.events.onError(
      'mqtt.wrong_ack',
      `${this.init.clientId}: the broker answered a QoS ${qos} PUBLISH with ${cmd.toUpperCase()} (expected ${qos === 2 ? 'PUBREC, then PUBCOMP' : 'PUBACK'}, §4.3); the message is not counted as acknowledged`,
    );
    return true;
  }

  private clientError(client: MqttClient, err: Error): void {
    if (client !== this.client || this.closing) return;
    // An error that destroyed the stream explains the close that follows; the close reports it.
    if (client.stream.destroyed) {
      this.loss = strongerLoss(this.loss, errorLoss(err, this.init.options.keepaliveSec));
      return;
    }
    const code = (err as { code?: unknown }).code;
    this.events.onError(code === undefined ? 'mqtt.client_error' : `mqtt.${String(code)}`, err.message);
  }

  private clientClosed(client: MqttClient): void {
    // A sleep-session device reconnects for every report: an earlier client's late close is not a loss.
    if (client !== this.client || this.closing || this.reported === client) return;
    this.reported = client;
    this.ready = false;
    this.inDoubt(this.session.lost());
    const loss = this.loss ?? PLAIN_CLOSE;
    this.events.onDisconnect(loss.key, `${this.init.clientId}: ${loss.message}`, loss.cause);
  }

  private inDoubt(count: number): void {
    if (count > 0) this.events.onInDoubt(count);
  }

  private publishFailed(err: Error): void {
    const code = (err as { code?: unknown }).code;
    this.events.onError(typeof code === 'number' ? `mqtt.publish_${code}` : 'mqtt.publish_failed', err.message);
  }
}
