// The driver extension point: one small interface every protocol implements, plus the
// embedded server hook. A driver owns everything its protocol knows: options, devices, wire
// accounting, codes, promises, its result block, and how the console and the report show them.
// A new protocol is one folder under src/protocols/ and one line in registry.ts. Drivers never
// touch metrics directly; they report through DeviceEvents.
import type { Checker } from '../base/check.ts';
import type { CodeBook, CodeCounts, CodeKey } from '../metrics/codes.ts';
import type { LatencySummary } from '../metrics/histogram.ts';
import type { Stamp } from '../metrics/stamp.ts';
import type { WireTotalsByKind } from '../power/wire.ts';

/** What a protocol promises about one stream between a sender and a receiver. */
export interface DeliveryPromise {
  /** e.g. 'QoS 1 (at least once)'. */
  label: string;
  /** The hop's short name, for a path across protocols: 'QoS 1', 'CON'. */
  short: string;
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
  /**
   * Sent by the server from its store of retained messages when a subscription was made, not as
   * a live delivery of a send: counted as a retained delivery, without a latency.
   */
  retained: boolean;
  replyTo?: string;
  correlation?: Buffer;
}

/**
 * `refused`: the message would break a limit the peer announced (a packet above its maximum
 * size, a QoS it does not support): not sent; the driver counts an error naming the limit.
 */
export type SendOutcome = 'sent' | 'not_connected' | 'window_full' | 'backpressure' | 'refused';

/**
 * Why a connection went away without close() or kill() being called. The runner counts
 * disconnects by cause (`lost|<cause>` in a group's codes); a protocol code that came with
 * the goodbye (an MQTT 5 DISCONNECT reason code, an AMQP reply code, a WebSocket close code) is
 * counted by the driver itself through onCode.
 */
export type DisconnectCause =
  /** The peer closed the connection without a protocol goodbye (TCP FIN). */
  | 'closed'
  /** Reset by the peer or the network (ECONNRESET, EPIPE). */
  | 'reset'
  /** No answer to the protocol's keepalive in time (PINGRESP, AMQP heartbeat, WebSocket pong). */
  | 'keepalive_timeout'
  /** The server said goodbye: MQTT 5 DISCONNECT, AMQP connection.close, a WebSocket close frame. */
  | 'server_disconnect'
  /** Any other socket or protocol error that ended the connection. */
  | 'error';

export interface DeviceEvents {
  onMessage(message: ReceivedMessage): void;
  /** Ack of a sent message (PUBACK/PUBCOMP, ...); `reason` is the protocol's code when it has one. */
  onAck(message: OutgoingMessage, ackUs: number, reason: number | undefined): void;
  /** A protocol code or event seen on the wire (a PUBACK reason code, a CoAP retransmission), from the driver's CodeBook. */
  onCode(code: CodeKey, count?: number): void;
  /** A failure on an established device, counted as errors.<key>. */
  onError(key: string, message: string): void;
  /**
   * The connection went away without close() or kill() being called: counted as a disconnect by
   * `cause`, and as errors.<key> with `message`. The runner reconnects the device (connect()
   * again) by the group's reconnect policy.
   */
  onDisconnect(key: string, message: string, cause: DisconnectCause): void;
  /**
   * Sent messages that were in flight (not yet acknowledged) when the connection died or was
   * killed and that the driver will not resend (no resumed session, no confirms): neither
   * delivered nor lost for sure. A receiver missing them is not a broken promise.
   */
  onInDoubt(count: number): void;
  /**
   * Messages resent after a reconnect: MQTT publishes with DUP=1 in a resumed session
   * ([MQTT-4.4.0-1]), AMQP unconfirmed publishes republished. Receivers may see them twice:
   * duplicates up to this count are expected, not a broken promise.
   */
  onResend(count: number): void;
  /** A latency the driver times beside connect and ack (one of its `latencies`, e.g. an AMQP commit), in µs. */
  onLatency(kind: string, us: number): void;
}

/** Events of a device whose events nobody counts (a preflight check, a warm-up connect). */
export const IGNORE_EVENTS: DeviceEvents = {
  onMessage: () => undefined,
  onAck: () => undefined,
  onCode: () => undefined,
  onError: () => undefined,
  onDisconnect: () => undefined,
  onInDoubt: () => undefined,
  onResend: () => undefined,
  onLatency: () => undefined,
};

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
  /**
   * The local address the device's sockets bind to (the scenario's `sourceAddresses`): the
   * source of its TCP connections, the bind address of its UDP socket. Absent: the kernel picks.
   */
  localAddress?: string;
  /**
   * A fresh stamp for this connection's Last Will: the driver puts it at the start of the will
   * payload, before the scenario's will payload bytes. Called on every connect of a device
   * whose options have a will; without it the will payload is the scenario's alone.
   */
  lastWill?: () => Buffer;
  /**
   * A preflight check, not a device of the run: it connects and closes and must leave nothing
   * behind at the server (no session kept for its client id).
   */
  probe?: boolean;
}

export interface DriverDevice {
  /**
   * Connects; resolves with the connect latency in µs or rejects with a FleetbenchError.
   * Called again on the same device after the connection was lost (onDisconnect) or killed:
   * the device reconnects and resumes what its protocol resumes (an MQTT session with
   * clean: false and its in-flight publishes, AMQP topology and unconfirmed publishes).
   */
  connect(): Promise<number>;
  /**
   * Subscribes. Called again after every reconnect; a driver whose resumed session kept the
   * subscriptions (MQTT CONNACK session present) may skip the request.
   */
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
  /**
   * A receiver's messages the peer still held when close() finished (a queue's depth, read after
   * the consumer stopped and before the connection closed): neither delivered nor lost. `store`
   * names where they wait, so receivers sharing one store count it once. Undefined when the
   * protocol keeps nothing for a receiver or the count could not be read.
   */
  readonly held?: HeldMessages;
  /**
   * What was written to the kernel but not shown to have been read by the peer when close()
   * finished (MQTT: QoS 0 publishes behind the last PINGREQ fence that got no PINGRESP).
   * "Sent" means written to the kernel; this is how much of it may still have sat in socket
   * buffers at the end. Undefined when the driver cannot tell, or nothing was outstanding.
   */
  readonly unread?: UnreadMessages;
}

/** Sent messages (and their bytes) that the peer had not been shown to read at the end (DriverDevice.unread). */
export interface UnreadMessages {
  messages: number;
  bytes: number;
}

/** Messages a peer still held for a receiver at the end of a run (DriverDevice.held). */
export interface HeldMessages {
  /** Where they wait (e.g. a queue's name with its virtual host): receivers sharing it count it once. */
  store: string;
  count: number;
}

export interface EmbeddedServer<Stats = never> {
  /** URLs by listener name; `default` is used for targets that were not given. */
  urls: Record<string, string>;
  close(): Promise<void>;
  /** A server that is itself a receiver (the CoAP sink): what it gets is counted like a device's. */
  sink?: EmbeddedSink;
  /** The server's own counters at the end of the run (the ws hub's overflow), kept in `servers.<protocol>`. */
  stats?(): Stats;
}

export type SinkEvents = Pick<DeviceEvents, 'onMessage' | 'onCode' | 'onError'>;

export interface EmbeddedSink {
  attach(events: SinkEvents): void;
  /** Bytes on the wire at the server, both directions. */
  readonly bytes: { sent: number; received: number };
  readonly datagrams?: { sent: number; received: number };
}

/** What a driver's result block is built from: the group's codes, bytes and options. */
export interface BlockInput<Options> {
  codes: CodeCounts;
  bytes: { sent: number; received: number };
  options: Options;
}

export interface TableColumn {
  label: string;
  /** Right-aligned (numbers) unless 'l'. */
  align?: 'l' | 'r';
}

/** What a table row may read of its group besides the block. */
export interface FleetView {
  /** One of the driver's own latencies (`Driver.latencies`), summarised, when the group timed any. */
  latency(kind: string): LatencySummary | undefined;
}

/** A driver's block as a table: one row per group that has the block, printed by the console and the report. */
export interface BlockTable<Block> {
  /** Column headings after the group's name. */
  columns: readonly TableColumn[];
  row(block: Block, fleet: FleetView): string[];
}

/** A figure of a driver's result block as a threshold metric, named by its key in `Driver.counters`. */
export interface DriverCounter<Block> {
  /** What it counts, for messages: 'mandatory publishes returned (basic.return)'. */
  title: string;
  read(block: Block): number;
  /** A rate divides the count by the group's messages sent or received; without it the metric has a count only. */
  per?: 'sent' | 'received';
  /** The most at once (a peak), not a count: a group's own, never summed over the run. */
  peak?: boolean;
}

/** A hint for a failed preflight against the embedded server: why it cannot serve these options. */
export interface EmbeddedHint {
  message: string;
  reasonCode: string;
}

export interface Driver<Options = unknown, Block = never, ServerStats = never> {
  readonly name: string;
  /** The protocol as people write it: 'MQTT', 'CoAP', 'AMQP 0-9-1'. */
  readonly title: string;
  /** URL schemes accepted as targets for this protocol. */
  readonly schemes: readonly string[];
  /** The port its servers listen on by default (IANA), for examples in help and messages. */
  readonly defaultPort?: number;
  /** Schemes whose connections are encrypted (TLS or DTLS): the power model prices their handshakes. */
  readonly secureSchemes: readonly string[];
  /** The transport under the protocol: what the power model adds per packet and per connection. */
  readonly transport: 'tcp' | 'udp';
  /** What the ack latency measures: 'publish → ack', 'request → response', 'publish → confirm'. */
  readonly ackLabel: string;
  /** Words for the codes its devices count (DeviceEvents.onCode), and which a reader should see. */
  readonly codes: CodeBook;
  /** Latencies the driver times beside connect and ack, by kind, with their titles; each gets a histogram, a result field and a threshold metric `<kind>_latency`. */
  readonly latencies?: Readonly<Record<string, string>>;
  /** Figures of the driver's result block that thresholds can name (`'pub.returned': ['rate == 1']`), judged when the run ends. */
  readonly counters?: Readonly<Record<string, DriverCounter<Block>>>;
  /** Validates the options given to the protocol builder; reports problems at `path`. */
  resolveOptions(raw: unknown, path: string, check: Checker): Options | undefined;
  createDevice(init: DeviceInit<Options>, events: DeviceEvents): DriverDevice;
  /**
   * The promise for messages from a sender with options `from` to a receiver with options `to`.
   * `receiverCodes` are the protocol codes the receiving group saw, e.g. what a broker actually granted;
   * `senderCodes` the sending group's, e.g. acknowledgements of the wrong type (absent: none known).
   */
  promise(from: Options, to: Options, receiverCodes: CodeCounts, senderCodes?: CodeCounts): DeliveryPromise;
  /** The parts of the options that decide whether a connection is accepted (credentials, version, TLS): preflight tries one connection per distinct value. */
  connectionKey(options: Options): unknown;
  /** Starts an in-process server for runs without a target. */
  startEmbedded?(): Promise<EmbeddedServer<ServerStats>>;
  /** Why the embedded server cannot serve a group with these options, when it cannot (the preflight failure then says so). */
  embeddedHint?(options: Options, group: { name: string; target: string }): EmbeddedHint | undefined;
  /** Whether a group's devices are servers others connect to (CoAP virtual sensors): they start first and stop last. */
  isServer?(options: Options): boolean;
  /** Whether a sending group's messages are received by the embedded server's sink (CoAP POST/PUT). */
  deliversToServer?(options: Options): boolean;
  /**
   * Observers of this protocol that give no `subscribe`: what to subscribe to in order to
   * receive every message of `source`, which may use another protocol (its options are then
   * that protocol's). Undefined, or no hook: this protocol cannot derive a subscription from
   * that source, and the observer must give `subscribe`. `receiver` is the observer's own
   * options (an AMQP `bind` list overrides the derived keys).
   */
  subscriptionsFor?(source: SourceGroup, receiver: Options): string[] | undefined;
  /** The filter a member of shared subscription group `share` subscribes to (MQTT 5 `$share/{share}/{filter}`); no hook: the protocol has none. */
  sharedFilter?(share: string, filter: string): string;
  /** This protocol's address (topic, path, routing key) as an MQTT topic, the form addresses travel between protocols in (see topics.ts); no hook: already one. */
  canonicalTopic?(template: string): string;
  /** How a receiving group's devices share what arrives: each gets every message, or the group splits it (competing consumers). */
  receiverMode?(options: Options): 'each' | 'group';
  /** The protocol's block in a group's result (`fleets.<name>.<protocol>`). */
  block?(input: BlockInput<Options>): Block;
  /** The block as a table in the console summary and the report. */
  readonly table?: BlockTable<Block>;
  /** Whether a sent message is acknowledged (MQTT QoS > 0, AMQP confirms, an HTTP response): a sleep-session device waits for it before disconnecting. */
  acknowledges?(options: Options): boolean;
  /** The protocol's keepalive on an idle connection: its interval and the application bytes each way (PINGREQ/PINGRESP, AMQP heartbeats). */
  keepalive?(options: Options): { intervalS: number; txBytes: number; rxBytes: number } | undefined;
  /**
   * Server devices (isServer) listening on consecutive ports from a base the options left open:
   * the host and transport to find a free block on before the run (device i listens on base + i).
   * Undefined when the options fix the port or the group serves nothing.
   */
  freePorts?(options: Options): { host: string } | undefined;
  /** The options with the base port the run chose (after freePorts). */
  withPort?(options: Options, base: number): Options;
  /**
   * The Last Will a device leaves with the server, published by it when the connection drops
   * without a goodbye: its topic template ({id}, {fleet}, {run}) and the options its delivery
   * promise is judged with (the will's QoS). Undefined when the options set none; no hook: the
   * protocol has no will.
   */
  lastWill?(options: Options): { topic: string; options: Options } | undefined;
  /**
   * Whether the server keeps the messages of a group with these options for subscribers that come
   * later (one per topic, the last): a late subscriber then expects one per topic sent before it
   * joined. `receiver`: the late subscriber's options when it speaks the same protocol, which
   * may ask for none (MQTT 5 Retain Handling 2). No hook: it keeps none.
   */
  retains?(options: Options, receiver?: Options): boolean;
  /**
   * Whether the server keeps a disconnected device's session (its subscriptions, and the messages
   * that arrive for it) and the device resumes it on connect(): an observer may then go offline
   * on purpose (`offline`) and expect what it missed. No hook: no session outlives a connection.
   */
  keepsSession?(options: Options): boolean;
  /** What in a group's options keeps its session, for the message that asks for one ('clean: false'). */
  readonly sessionHint?: string;
  /**
   * A client id names one session at the server, and a second connection with it takes the
   * first over (MQTT [MQTT-3.1.4-2]): the scenario is refused when two devices on one target
   * would use the same id (dsl/client-ids.ts).
   */
  readonly uniqueClientIds?: boolean;
  /** 'path': fleets address resources by path ('/telemetry/{id}', given as `path`); default 'topic'. */
  readonly addressing?: 'topic' | 'path';
  /** A problem with one subscription filter in this protocol's syntax; no hook: any filter is accepted. */
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
  /** The same template as an MQTT topic (its driver's canonicalTopic), for receivers of another protocol. */
  canonical: string;
}
