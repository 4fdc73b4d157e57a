// The driver extension point: one small interface every protocol implements, plus the
// embedded server hook. A new protocol is one folder under src/protocols/ and one line in
// registry.ts. Drivers never touch metrics directly; they report through DeviceEvents.
import type { Checker } from '../base/check.ts';
import type { Stamp } from '../metrics/stamp.ts';
import type { WireTotalsByKind } from '../power/wire.ts';

/** What a protocol promises about one stream between a sender and a receiver. */
export interface DeliveryPromise {
  /** e.g. 'QoS 1 (at least once)'. */
  label: string;
  noLoss: boolean;
  noDuplicates: boolean;
}

export interface OutgoingMessage {
  /** Topic, path or routing key, already rendered for this device. */
  topic: string;
  payload: Buffer;
  stamp: Stamp;
  /** Request/response: where the answer should be sent, and what to echo back. */
  replyTo?: string;
  correlation?: Buffer;
  /** An actuator's answer to a command: not a stamped send of its own. */
  isReply?: boolean;
}

export interface ReceivedMessage {
  topic: string;
  payload: Buffer;
  receivedUs: number;
  retained: boolean;
  replyTo?: string;
  correlation?: Buffer;
}

export type SendOutcome = 'sent' | 'not_connected' | 'window_full' | 'backpressure';

export interface DeviceEvents {
  onMessage(message: ReceivedMessage): void;
  /** Ack of a sent message (PUBACK/PUBCOMP, ...); `reason` is the protocol's code when it has one. */
  onAck(message: OutgoingMessage, ackUs: number, reason: number | undefined): void;
  /** A protocol code or event seen on the wire (a PUBACK reason code, a CoAP retransmission), counted per packet type. */
  onCode(packet: string, code: number | string, count?: number): void;
  /** A failure on an established device, counted as errors.<key>. */
  onError(key: string, message: string): void;
  /** The connection went away without close() being called. */
  onDisconnect(key: string, message: string): void;
  /** A protocol-specific latency beyond connect/ack (an AMQP tx.commit → commit-ok), in µs. */
  onLatency(kind: ExtraLatency, us: number): void;
}

/** Latencies a driver may time besides connect and ack, each kept in its own HDR histogram. */
export type ExtraLatency = 'commit';

export interface DeviceInit<Options> {
  url: string;
  /** The device's group name and the run id, for drivers that render templates ({fleet}, {run}). */
  fleet?: string;
  runId?: string;
  /** The device's index in its fleet (CoAP virtual sensors listen on serve.port + index). */
  index: number;
  /** The device's own topic or path, rendered, when it has one (a CoAP virtual sensor's resource). */
  resource?: string;
  clientId: string;
  options: Options;
  connectTimeoutMs: number;
}

export interface DriverDevice {
  /** Connects; resolves with the connect latency in µs or rejects with a FleetbenchError. */
  connect(): Promise<number>;
  subscribe(filters: readonly string[]): Promise<void>;
  send(message: OutgoingMessage): SendOutcome;
  /** Graceful close (e.g. MQTT DISCONNECT). */
  close(): Promise<void>;
  /** Abrupt close: the socket is destroyed, no goodbye (triggers MQTT Last Will). */
  kill(): void;
  readonly connected: boolean;
  /** Application-layer bytes on the wire so far, both directions. */
  readonly bytes: { sent: number; received: number };
  /** Datagrams so far, for message-oriented transports (CoAP over UDP). */
  readonly datagrams?: { sent: number; received: number };
  /**
   * Application-layer packets and bytes by kind (handshake, data, keepalive) and connections
   * opened, for the power model. Without it, every byte and datagram counts as data.
   */
  readonly wire?: WireTotalsByKind;
}

export interface EmbeddedServer {
  /** URLs by listener name; `default` is used for targets that were not given. */
  urls: Record<string, string>;
  close(): Promise<void>;
  /** A server that is itself a receiver (the CoAP sink): what it gets is counted like a device's. */
  sink?: EmbeddedSink;
  /** The server's own counters at the end of the run (the ws hub's overflow), kept in `servers.<protocol>`. */
  stats?(): object;
}

export type SinkEvents = Pick<DeviceEvents, 'onMessage' | 'onCode' | 'onError'>;

export interface EmbeddedSink {
  attach(events: SinkEvents): void;
  /** Bytes on the wire at the server, both directions. */
  readonly bytes: { sent: number; received: number };
  readonly datagrams?: { sent: number; received: number };
}

export interface Driver<Options = unknown> {
  readonly name: string;
  /** URL schemes accepted as targets for this protocol. */
  readonly schemes: readonly string[];
  /** Validates the options given to the protocol builder; reports problems at `path`. */
  resolveOptions(raw: unknown, path: string, check: Checker): Options | undefined;
  createDevice(init: DeviceInit<Options>, events: DeviceEvents): DriverDevice;
  /**
   * The promise for messages from a sender with options `from` to a receiver with options `to`.
   * `receiverCodes` are the protocol codes the receiving group saw ('packet|code' → count),
   * e.g. what a broker actually granted.
   */
  promise(from: Options, to: Options, receiverCodes: ReadonlyMap<string, number>): DeliveryPromise;
  /** Starts an in-process server for runs without a target. */
  startEmbedded?(): Promise<EmbeddedServer>;
  /** Whether a group's devices are servers others connect to (CoAP virtual sensors): they start first and stop last. */
  isServer?(options: Options): boolean;
  /** Whether a sending group's messages are received by the embedded server's sink (CoAP POST/PUT). */
  deliversToServer?(options: Options): boolean;
  /**
   * Observers of this protocol that give no `subscribe`: what to subscribe to in order to
   * receive every message of `source`, which may use another protocol (its options are then
   * that protocol's). Undefined: this protocol cannot receive from that source. Without this
   * hook the source's topic becomes an MQTT-style filter (see protocols/topics.ts). `receiver`
   * is the observer's own options (an AMQP `bind` list overrides the derived keys).
   */
  subscriptionsFor?(source: SourceGroup, receiver: Options): string[] | undefined;
  /** How a receiving group's devices share what arrives: each gets every message, or the group splits it (competing consumers). */
  receiverMode?(options: Options): 'each' | 'group';
  /**
   * The protocol's block in a group's result (`fleets.<name>.<protocol>`), from the codes the
   * group counted ('packet|code' → count) and its bytes.
   */
  stats?(codes: ReadonlyMap<string, number>, bytes: { sent: number; received: number }, options: Options): object;
  /** The transport under the protocol (default 'tcp'): what the power model adds per packet and per connection. */
  readonly transport?: 'tcp' | 'udp';
  /** Whether a sent message is acknowledged (MQTT QoS > 0, AMQP confirms, an HTTP response): a sleep-session device waits for it before disconnecting. */
  acknowledges?(options: Options): boolean;
  /** The protocol's keepalive on an idle connection: its interval and the application bytes each way (PINGREQ/PINGRESP, AMQP heartbeats). */
  keepalive?(options: Options): { intervalS: number; txBytes: number; rxBytes: number } | undefined;
  /** 'path': fleets address resources by path ('/telemetry/{id}', given as `path`); default 'topic'. */
  readonly addressing?: 'topic' | 'path';
  /** A problem with one subscription filter in this protocol's syntax; without the hook, MQTT topic-filter rules apply. */
  filterProblem?(filter: string): string | undefined;
  /** Rules tying a group's role to its options (a CoAP `serve`, an HTTP `listen`), reported at `path`, the group's. */
  checkGroup?(check: Checker, path: string, group: GroupShape, options: Options): void;
}

/** What checkGroup needs to know of a group as the scenario wrote it. */
export interface GroupShape {
  kind: 'fleet' | 'observer' | 'command';
  /** The scenario's `count`, when it is a number (validated separately). */
  count: number | undefined;
  /** Whether the group has a send schedule. */
  sends: boolean;
  /** Whether an observer asked for a shared subscription. */
  shared: boolean;
}

/** A sending group as seen by a receiver's driver. */
export interface SourceGroup {
  name: string;
  count: number;
  protocol: string;
  /** The sender's options (its own driver's type). */
  options: unknown;
  /** The sender's topic, path or routing-key template. */
  topic: string;
}
