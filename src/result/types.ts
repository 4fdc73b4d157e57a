// The JSON result format, versioned by `schema`. Documented in docs/results.md; additions keep
// the version, renames or removals bump it. Each protocol's block and its own latencies come
// from its driver (protocols/registry.ts), so this file names no protocol.

import type { ImpairmentResult } from '../impair/spec.ts';
import type { GroupCounters } from '../metrics/counters.ts';
import type { LatencySummary } from '../metrics/histogram.ts';
import type { ErrorCount, Phase } from '../metrics/recorder.ts';
import type { PowerReport } from '../power/report.ts';
import type { WireTotalsByKind } from '../power/wire.ts';
import type { DeliveryPromise, UnreadMessages } from '../protocols/driver.ts';
import type { DriverLatencyKind, ProtocolBlocks, ServerStats } from '../protocols/registry.ts';
import type { ClockInfo, MergeData, MergedFrom, ShardStartAt } from './shard-types.ts';

export type { ClockInfo, ImpairmentResult, MergeData, MergedFrom, ShardStartAt };

export const RESULT_SCHEMA = 'fleetbench.result/1';

export interface LatencyPair {
  /** From the intended send time: coordinated-omission corrected. */
  corrected: LatencySummary;
  /** From the actual send time: service time. */
  service: LatencySummary;
}

export type FleetLatency = {
  connect?: LatencySummary;
  ack?: LatencyPair;
  rtt?: LatencyPair;
  /** Intended → actual send time of every scheduled send: how far behind the generator fired. */
  sendLateness?: LatencySummary;
  /** Connection lost → connected again, per reconnect. */
  reconnect?: LatencySummary;
} & {
  [K in DriverLatencyKind]?: LatencySummary;
};

/** One of a driver's own latencies in a group's result (`latency.<kind>`), when the group timed any. */
export function driverLatency(f: FleetResult, kind: string): LatencySummary | undefined {
  return (f.latency as Readonly<Record<string, LatencySummary | undefined>>)[kind];
}

/** A group's figures; `fleets.<name>.<protocol>` holds its protocol's own block (ProtocolBlocks). */
export interface FleetResult extends ProtocolBlocks {
  kind: 'fleet' | 'observer' | 'command' | 'server';
  protocol: string;
  target: string;
  /** Devices in the scenario's fleet. */
  count: number;
  /** Devices this process ran: all of them, or this shard's slice with --shard. */
  devicesRun: number;
  devices: {
    peakConnected: number;
    connects: number;
    connectFailed: number;
    /** Connections lost (by the peer, the network or a scripted fault); by cause in `codes` ('<group>|lost|<cause>'). */
    disconnects: number;
    /** Of `disconnects`, those the scenario's `faults` caused. */
    faulted: number;
    reconnectAttempts: number;
    reconnects: number;
    /** Devices that lost their connection and were still down at the end. */
    unrecovered: number;
    /** Device-seconds spent disconnected after a loss. */
    downtimeS: number;
  };
  messages: Pick<
    GroupCounters,
    | 'sent'
    | 'acked'
    | 'late'
    | 'dropped'
    | 'unsent'
    | 'inDoubt'
    | 'resent'
    | 'oversize'
    | 'received'
    | 'unstamped'
    | 'repliesSent'
    | 'repliesReceived'
  >;
  /**
   * Messages per second over the send phase (start to the last sender finishing). `sentPerS`
   * counts what the peer was shown to read: `messages.sent` less `unread.messages`. With
   * `unread`, `writtenPerS` is the rate of writes to the kernel (`messages.sent` per second).
   */
  rates: { sentPerS: number; receivedPerS: number; writtenPerS?: number };
  /**
   * Of `messages.sent` (written to the kernel), what the peer had not been shown to read when the
   * devices closed: it may still have sat in socket buffers. Absent when the group's driver cannot tell.
   */
  unread?: UnreadMessages;
  bytes: {
    sent: number;
    received: number;
    /** Application-layer bytes sent per message sent (connect and subscribe overhead included). */
    sentPerMessage: number | null;
    /** Bytes received per message received. */
    receivedPerMessage: number | null;
    /** Bytes the fleet sent per copy of its messages that a receiver got (fan-out counts each copy). */
    sentPerDelivered: number | null;
    /** Per device: the mean, and the smallest and largest any one device saw. */
    perDevice: {
      sent: number;
      received: number;
      minSent: number;
      maxSent: number;
      minReceived: number;
      maxReceived: number;
    };
  };
  /** Connect, ack and round trip for every protocol, plus the driver's own latencies by kind (Driver.latencies). */
  latency: FleetLatency;
  /** Groups that send: the schedule as configured ('every 1s ±100ms', 'poisson 5/s') and the per-device message limit. */
  send?: { schedule: string; messages: number | null };
  /** Fleets with `power`: application packets and bytes by kind (handshake, data, keepalive) and connections opened. */
  wire?: WireTotalsByKind;
  /** Fleets with `power`: energy per message, average power, battery life and the breakdown by radio state; null when nothing was exchanged. */
  power?: PowerReport | null;
}

export interface DeliveryResult {
  from: string;
  to: string;
  /** 'each': every receiver device expects every message; 'group': once across the group. */
  mode: 'each' | 'group';
  promise: DeliveryPromise;
  /** Receiver devices that subscribed (each mode), or members (group mode). */
  receivers: number;
  sent: number;
  expected: number;
  received: number;
  /** Distinct messages received (per receiver, summed). */
  unique: number;
  /**
   * A shard's result only: messages its receivers got from streams another shard sent. Kept out
   * of the counts above (this shard cannot know what the other sent); `fleetbench merge` counts them.
   */
  foreign?: number;
  /** Expected, not received, and not held by the peer at the end (see `queued`). */
  lost: number;
  duplicated: number;
  outOfOrder: number;
  lossRate: number;
  /** Expected, not received, but still held by the peer when the receivers closed (e.g. in a queue): not lost. Absent in older results. */
  queued?: number;
  /** The sender's scheduled sends not made while it was disconnected (not expected, not lost). */
  unsent: number;
  /** Of `lost`, up to this many were in flight when a connection died and were never resent: not a broken promise. */
  inDoubt: number;
  /** Of `duplicated`, up to this many are resends after a reconnect (DUP, republished): not a broken promise. */
  resent: number;
  latency: LatencyPair;
  /** Whether the protocol's promise held, and why not. */
  verdict: { kept: boolean; violations: string[] };
  /** Group mode: how evenly the members shared the messages. */
  spread?: { members: number; min: number; max: number; mean: number; cv: number };
  /** Messages the server sent from its retained store on subscribing, and how many a late subscriber expected (absent when none of either). */
  retained?: RetainedDelivery;
  /** A receiver offline on purpose with its session kept: what was sent meanwhile, and what its session delivered on return. */
  sessionQueued?: SessionQueuedDelivery;
  /** Per (stream, receiver) rows where something went wrong, most lost first (at most 100). */
  issues: StreamIssue[];
  /** How many (stream, receiver) rows had a problem; `issues` lists the first 100. */
  issueCount: number;
}

/**
 * Retained deliveries of one pair. A late subscriber (`startTime`) expects one per topic the
 * sender sent on before it joined, per receiver device; any other receiver expects none (one
 * after a resubscribe is counted here, not as a duplicate). Not in `received` or the latency.
 */
export interface RetainedDelivery {
  expected: number;
  got: number;
}

/**
 * Deliveries owed by a kept session while the receiver was offline on purpose (`offline`): the
 * messages due during the phase (`sent`, by intended time); `expected` of them (each receiver
 * device, when the promise is no-loss); `got` (distinct, per receiver, summed); `lost` the rest.
 * They are in `received` too; those that arrived on the receiver's return are not in the latency.
 */
export interface SessionQueuedDelivery {
  fromMs: number;
  toMs: number;
  sent: number;
  expected: number;
  got: number;
  lost: number;
}

/** Delivery of one stream (one sending device) to one receiver device, or to a whole group. */
export interface StreamIssue {
  /** 'fleet#device'. */
  stream: string;
  /** 'fleet#device', or 'fleet (group)' for shared subscriptions and command targets. */
  receiver: string;
  sent: number;
  received: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
}

export interface TimelinePoint {
  t: number;
  phase: Phase;
  fleets: Record<
    string,
    {
      connected: number;
      sent: number;
      acked: number;
      received: number;
      dropped: number;
      errors: number;
      /** Connections lost in this second, and sends not made because devices were down. */
      disconnects: number;
      unsent: number;
    }
  >;
  latency: Record<string, { count: number; p50: number; p99: number; max: number }>;
}

/** Connect starts of this process: requested rate, achieved rate over the span from the first start to the last. */
export interface ConnectPace {
  /** connectRate over the shard count: this process's share. */
  requestedPerS: number;
  /** (connects - 1) / span: the rate the connects actually started at. */
  achievedPerS: number;
  connects: number;
  spanMs: number;
}

export interface RunResult {
  schema: typeof RESULT_SCHEMA;
  scenario: {
    name: string;
    file: string;
    hash: string;
    /** The scenario's declared env inputs as resolved for this run (-e, process environment, defaults). */
    env?: Record<string, string>;
  };
  run: {
    id: string;
    startedAt: string;
    endedAt: string;
    /** Wall time from the first connect to the last close. */
    elapsedMs: number;
    /** Configured send-phase length. */
    durationMs: number;
    partial: boolean;
    partialReason: string | null;
    seed: number;
    workers: number;
    /** Generator processes on this machine the workers were spread over (docs/processes.md); absent in older results. */
    processes?: number;
    shard: { index: number; count: number };
    /** The connect phase's pace: requested vs achieved rate of connect starts (absent with under two connects, and in older results). */
    connect?: ConnectPace;
    /** `--start-at`: the common start requested and how late this shard began (docs/sharding.md). */
    startAt?: ShardStartAt;
    /** This shard's clock against the reference shard (a sharded run, or one with --run-id). */
    clock?: ClockInfo;
    /** `fleetbench merge`: the shards this result combines. */
    merged?: MergedFrom;
  };
  environment: { fleetbench: string; node: string; platform: string; cpus: number; memoryBytes: number };
  /** Target URLs by name, passwords masked; 'embedded' entries say which embedded listener. */
  targets: Record<string, string>;
  fleets: Record<string, FleetResult>;
  delivery: DeliveryResult[];
  /** Targets that failed their preflight while the run went on for the other groups. */
  warnings: string[];
  /** Embedded servers' own counters by protocol (a hub's published, delivered and overflowed messages). */
  servers: ServerStats;
  /** The scenario's warm-up window and what was measured in it, kept out of the figures above (absent without `warmup`). */
  warmup?: WarmupResult;
  /** Targets behind an impairment proxy (the scenario's `impair`): the link as resolved and what crossed it. Absent when none. */
  impairment?: Record<string, ImpairmentResult>;
  errors: ErrorCount[];
  /** The default health checks (thresholds/health.ts), every one listed; any failed one fails the run (absent from results of older versions). */
  health?: HealthCheck[];
  /** The scenario's thresholds, evaluated: pass or fail, measured value and limit (absent from results of older versions). */
  thresholds?: ThresholdOutcome[];
  /** Protocol codes seen on the wire: 'fleet|packet|code' → count (e.g. an ack's reason codes), in each driver's CodeBook. */
  codes: Record<string, number>;
  timeline: TimelinePoint[];
  /** Cumulative histograms (compressed base64, µs), for exact merging and re-rendering. */
  histograms: Record<string, string>;
  /** `run --repeat N`: the figures of every run, their median and spread; the rest of the result is the run `base`. */
  repeat?: RepeatSummary;
  /** A shard's raw figures for `fleetbench merge` (a sharded run, or one with --run-id; docs/results.md). */
  merge?: MergeData;
}

/** What `run --repeat N` recorded across its runs (docs/results.md). */
export interface RepeatSummary {
  runs: number;
  runIds: string[];
  /** The run whose figures fill the rest of the result: the one with the median main latency. */
  base: string;
  /** By '<group>.<source>.<percentile>' (µs; source e2e, ack or rtt) and '<group>.throughput' / '<group>.received' (/s). */
  metrics: Record<string, RepeatMetric>;
}

export interface RepeatMetric {
  median: number;
  min: number;
  max: number;
  /** One value per run that measured it, in run order. */
  values: number[];
}

/** One evaluated threshold, kept in `result.thresholds`. */
export interface ThresholdOutcome {
  /** The scenario's key, e.g. 'gps.e2e_latency' or 'connect_errors'. */
  key: string;
  /** The expression as written, e.g. 'p(99) < 50ms'. */
  expression: string;
  /** The group the metric is taken over; undefined for run-wide metrics. */
  group: string | undefined;
  /** The metric's name, e.g. 'e2e_latency'. */
  metric: string;
  passed: boolean;
  /** The measured value in the metric's base unit (µs for latencies, a fraction for rates); null when nothing was measured. */
  actual: number | null;
  /** The measured value and the limit for people: '42.1ms', '0.0012', '3'. */
  actualText: string;
  limitText: string;
  abortOnFail: boolean;
  /** Why it failed (or why no value exists), in one line. */
  message: string;
}

/** The default health checks, judged on every run. */
export type HealthName =
  | 'never_connected'
  | 'connect_errors'
  | 'cross_talk'
  | 'worker_crashed'
  | 'generator_saturated'
  | 'outages'
  | 'unrecovered'
  | 'stored_deliveries'
  | 'protocol_errors';

/** One default health check, in `result.health`. */
export interface HealthCheck {
  name: HealthName;
  passed: boolean;
  /** What was seen, in one line: the failure with its groups and first error, or why it passed. */
  message: string;
  /** The groups at fault (empty when it passed). */
  groups: string[];
  /** It passed only because the scenario's `expect` allowed what was seen. */
  waived: boolean;
}

export interface WarmupResult {
  /** Length of the window, from the start of the send phase (the scenario's `warmup`). */
  durationMs: number;
  /** Its samples count in the headline figures (`warmup.include`): the window is only marked, the counts below are 0. */
  included: boolean;
  /** Where the window lies on the timeline: seconds since the run started, as TimelinePoint.t. */
  fromS: number;
  toS: number;
  /** Over all fleets: messages stamped within the window that were sent, acknowledged, sent late, and received. */
  sent: number;
  acked: number;
  late: number;
  received: number;
  /** The same by fleet, with the latencies measured on them. */
  fleets: Record<string, WarmupFleet>;
  /** Delivery of the window's messages by (sender → receiver) pair, wherever they arrived (during the window or after). */
  delivery: WarmupDelivery[];
}

export interface WarmupFleet {
  sent: number;
  acked: number;
  late: number;
  received: number;
  latency: { sendLateness?: LatencySummary; ack?: LatencyPair; rtt?: LatencyPair };
}

export interface WarmupDelivery {
  from: string;
  to: string;
  mode: 'each' | 'group';
  sent: number;
  expected: number;
  received: number;
  unique: number;
  lost: number;
  duplicated: number;
  latency: LatencyPair;
}
