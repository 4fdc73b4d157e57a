// One virtual MQTT device: its own MQTT.js client, socket and client id. Counts the exact
// bytes MQTT.js writes to and reads from the stream, enforces the device's in-flight window,
// and reports acks, reason codes and messages through DeviceEvents.
import { type IClientPublishOptions, type MqttClient, connect as mqttConnect, type Packet } from 'mqtt';
import { generate as generatePacket } from 'mqtt-packet';
import { FleetbenchError } from '../../base/errors.ts';
import { nowUs } from '../../metrics/clock.ts';
import { mqttPacketBytes } from '../../power/accounting.ts';
import { type WireKind, WireLog } from '../../power/wire.ts';
import type { DeviceEvents, DeviceInit, DriverDevice, OutgoingMessage, SendOutcome } from '../driver.ts';
import { isSubackFailure, MQTT_CODES, reasonWords } from './codes.ts';
import { clientOptions, connectError, connectTimeout } from './connect.ts';
import type { ResolvedMqttOptions } from './options.ts';

const C = MQTT_CODES.keys;

/** QoS 0 sends are refused while this many bytes wait in the socket's write buffer. */
const BACKPRESSURE_BYTES = 1 << 20;

/** What each packet type is for, as the power model prices it. */
function kindOf(cmd: Packet['cmd']): WireKind {
  if (cmd === 'publish' || cmd === 'puback' || cmd === 'pubrec' || cmd === 'pubrel' || cmd === 'pubcomp') return 'data';
  if (cmd === 'pingreq' || cmd === 'pingresp') return 'keepalive';
  // CONNECT/CONNACK, SUBSCRIBE/SUBACK, UNSUBSCRIBE/UNSUBACK, DISCONNECT, AUTH: session setup and teardown.
  return 'handshake';
}

export class MqttDevice implements DriverDevice {
  readonly bytes = { sent: 0, received: 0 };
  private readonly log = new WireLog();
  /** The kind of the packet MQTT.js is writing: it emits 'packetsend' just before the write. */
  private sending: WireKind = 'handshake';
  private client: MqttClient | undefined;
  private inflight = 0;
  private window: number;
  private closing = false;
  private readonly publishOptions: IClientPublishOptions;

  constructor(
    private readonly init: DeviceInit<ResolvedMqttOptions>,
    private readonly events: DeviceEvents,
  ) {
    const o = init.options;
    this.window = o.inflight;
    this.publishOptions = { qos: o.qos, retain: o.retain };
    if (o.version === 5) {
      const properties: NonNullable<IClientPublishOptions['properties']> = {};
      if (o.messageExpirySec !== undefined) properties.messageExpiryInterval = o.messageExpirySec;
      if (o.userProperties) properties.userProperties = o.userProperties;
      this.publishOptions.properties = properties;
    }
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  get wire(): WireLog['totals'] {
    return this.log.totals;
  }

  connect(): Promise<number> {
    const { url, clientId, options, connectTimeoutMs } = this.init;
    const started = nowUs();
    this.closing = false;
    this.inflight = 0;
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      // manualConnect: MQTT.js writes CONNECT synchronously inside connect(), so the byte
      // counter must be listening before the stream exists.
      const client = mqttConnect(url, { ...clientOptions(options, clientId, connectTimeoutMs), manualConnect: true });
      this.client = client;
      client.on('packetsend', (packet: Packet) => {
        this.sending = kindOf(packet.cmd);
        this.log.sent(this.sending, 0);
        if (packet.cmd === 'connect') {
          // §3.1: the CONNECT is written before the byte counter exists; it is sized with MQTT.js's own encoder.
          const size = generatePacket(packet, { protocolVersion: options.version }).length;
          this.bytes.sent += size;
          this.log.sent('handshake', size, 0);
        }
      });
      client.on('packetreceive', (packet: Packet) =>
        this.log.received(kindOf(packet.cmd), mqttPacketBytes(packet.length ?? 0)),
      );
      this.log.opened();
      client.connect();
      this.countBytes(client);
      // Nagle + delayed ACK would add up to 40 ms per small packet on loopback and bury the
      // broker's latency, so Nagle is disabled by default, as emqtt-bench does (tcpNoDelay: false restores it).
      const socket = client.stream as { setNoDelay?: (on: boolean) => void };
      socket.setNoDelay?.(options.tcpNoDelay);
      const timer = setTimeout(() => fail(connectTimeout(url, connectTimeoutMs)), connectTimeoutMs);
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.end(true);
        reject(err instanceof FleetbenchError ? err : connectError(err, url, options.version));
      };
      client.once('connect', (connack) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // [MQTT-3.3.4-7] (5.0): never exceed the server's Receive Maximum of unacked QoS 1/2 publishes.
        const serverMax = connack.properties?.receiveMaximum;
        this.window = serverMax ? Math.min(options.inflight, serverMax) : options.inflight;
        this.watch(client);
        resolve(nowUs() - started);
      });
      client.on('error', fail);
      client.once('close', () =>
        fail(Object.assign(new Error('connection closed before CONNACK'), { code: 'ECONNRESET' })),
      );
    });
  }

  subscribe(filters: readonly string[]): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('subscribe before connect'));
    const qos = this.init.options.qos;
    return new Promise((resolve, reject) => {
      client.subscribe([...filters], { qos }, (err, granted) => {
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
        resolve();
      });
    });
  }

  send(message: OutgoingMessage): SendOutcome {
    const client = this.client;
    if (!client?.connected || this.closing) return 'not_connected';
    const qos = this.publishOptions.qos ?? 0;
    if (qos > 0 && this.inflight >= this.window) return 'window_full';
    if (qos === 0 && client.stream.writableLength > BACKPRESSURE_BYTES) return 'backpressure';
    let options = this.publishOptions;
    if ((message.replyTo !== undefined || message.correlation !== undefined) && this.init.options.version === 5) {
      // MQTT 5 request/response (§4.10): the request carries Response Topic and Correlation
      // Data; the response echoes the Correlation Data.
      const properties = { ...options.properties };
      if (message.replyTo !== undefined) properties.responseTopic = message.replyTo;
      if (message.correlation !== undefined) properties.correlationData = message.correlation;
      options = { ...options, properties };
    }
    if (qos > 0) this.inflight++;
    client.publish(message.topic, message.payload, options, (err) => {
      if (qos > 0) this.inflight--;
      if (err) {
        const code = (err as { code?: unknown }).code;
        this.events.onError(typeof code === 'number' ? `mqtt.publish_${code}` : 'mqtt.publish_failed', err.message);
        return;
      }
      // QoS 0 has no ack (§4.3.1): the callback only means the bytes were written.
      if (qos > 0) this.events.onAck(message, nowUs(), undefined);
    });
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
    if (!client) return Promise.resolve();
    return new Promise((resolve) => {
      // A graceful end() waits for in-flight acks; bound it so a dead broker cannot hang shutdown.
      const timer = setTimeout(() => client.end(true, {}, () => resolve()), 2000);
      client.end(false, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  kill(): void {
    this.closing = true;
    this.client?.stream.destroy();
  }

  private watch(client: MqttClient): void {
    client.on('message', (topic, payload, packet) => {
      const props = packet.properties;
      this.events.onMessage({
        topic,
        payload,
        receivedUs: nowUs(),
        retained: packet.retain,
        ...(props?.responseTopic === undefined ? {} : { replyTo: props.responseTopic }),
        ...(props?.correlationData === undefined ? {} : { correlation: props.correlationData }),
      });
    });
    client.on('packetreceive', (packet: Packet) => {
      if (packet.cmd === 'puback' || packet.cmd === 'pubrec' || packet.cmd === 'pubcomp') {
        // 3.1.1 acks carry no reason code; 5.0 omits it when it is 0x00 (§3.4.2.1).
        this.events.onCode(C[packet.cmd].of(packet.reasonCode ?? 0));
      } else if (packet.cmd === 'disconnect') {
        this.events.onCode(C.disconnect.of(packet.reasonCode ?? 0));
      }
    });
    client.on('error', (err) => {
      const code = (err as { code?: unknown }).code;
      this.events.onError(code === undefined ? 'mqtt.client_error' : `mqtt.${String(code)}`, err.message);
    });
    client.on('close', () => {
      // A sleep-session device reconnects for every report: an earlier client's late close is not a loss.
      if (!this.closing && this.client === client)
        this.events.onDisconnect(
          'mqtt.connection_lost',
          `${this.init.clientId}: connection closed by the broker or network`,
          'closed',
        );
    });
  }

  private countBytes(client: MqttClient): void {
    const stream = client.stream;
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    // mqtt-packet writes each packet as several chunks (header, topic, payload); all count.
    (stream as { write: typeof write }).write = (chunk: unknown, ...rest: unknown[]) => {
      const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).length;
      this.bytes.sent += size;
      this.log.sent(this.sending, size, 0);
      return write(chunk, ...rest);
    };
    stream.on('data', (chunk: Uint8Array) => {
      this.bytes.received += chunk.length;
    });
  }
}
