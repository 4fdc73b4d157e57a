// The worker boundary, in one place. Workers get a scenario *path* and a shard description,
// never functions; they stream one snapshot per interval over a transferred MessagePort and
// return their final ShardResult as the Piscina task value. Idea credit: artillery's
// protocol.ts and piscina's progress-over-MessagePort example.
import type { MessagePort } from 'node:worker_threads';
import type { RunChoices } from '../dsl/validate.ts';
import type { DeliveryShard } from '../metrics/delivery.ts';
import type { Snapshot } from '../metrics/recorder.ts';
import type { WireTotalsByKind } from '../power/wire.ts';
import type { UnreadMessages } from '../protocols/driver.ts';
import type { ConnectStarts } from './connect-pacing.ts';

export interface ShardTask {
  scenarioFile: string;
  /** The scenario as the main thread compiled it (plain JavaScript): workers import it, no loader. */
  scenarioModule?: string;
  /** This worker's index and the number of workers in this process. */
  worker: number;
  workers: number;
  /** Cross-machine sharding (--shard i/n): this process runs slice `index` of `count`. */
  shard: { index: number; count: number };
  /** Resolved URL for every target key the scenario uses. */
  targets: Record<string, string>;
  runId: string;
  seed: number;
  /** What the run chose that the scenario left open (free ports), passed to validation. */
  choices: RunChoices;
  /** Overrides of the scenario (CLI flags), already validated. */
  durationMs: number;
  snapshotIntervalMs: number;
  lateThresholdUs: number;
  /** The scenario's declared env as resolved in the main thread: the worker builds the same scenario. */
  env?: Record<string, string>;
  /** The reference shard's clock minus this machine's (µs, clock-sync.ts): the worker reads the reference's clock. */
  clockOffsetUs?: number;
  port: MessagePort;
}

/** Worker → main, over the task's MessagePort. */
export type WorkerMessage =
  | { type: 'snapshot'; snapshot: Snapshot }
  /** The worker's server devices (rank < 0, e.g. webhook endpoints) are up; it waits for 'connect'. */
  | { type: 'serversUp'; worker: number }
  | { type: 'ready'; worker: number; devices: number; connected: number; failed: number }
  /** The worker's send loop has finished (schedule over, message limits reached). */
  | { type: 'sent'; worker: number }
  /** The worker's clients and receivers have closed (their last exchanges done); its server devices wait for 'closeServers'. */
  | { type: 'clientsClosed'; worker: number }
  /** The worker's last message on its port: every snapshot it posted is ahead of it (ports keep their order). */
  | { type: 'finished'; worker: number }
  | { type: 'log'; worker: number; level: 'warn' | 'info'; message: string };

/** Main → worker, over the same port. */
export type MainMessage =
  /** Every worker's server devices are up: bring up the clients and receivers. */
  | { type: 'connect'; atUs: number }
  /** `acceptFromUs`: stamps intended from then on are this run's (before `atUs` when other shards started earlier). */
  | { type: 'start'; atUs: number; acceptFromUs?: number }
  /** Every worker has finished sending: drain, then close. */
  | { type: 'drain' }
  /** Every worker's clients have closed (or its task ended): server devices may close now. */
  | { type: 'closeServers' }
  | { type: 'stop'; reason: string };

export interface DeviceBytes {
  minSent: number;
  maxSent: number;
  minReceived: number;
  maxReceived: number;
}

export interface ShardResult {
  worker: number;
  /** The last snapshot: everything recorded after the previous one. */
  last: Snapshot;
  delivery: DeliveryShard;
  /** Deliveries of the scenario's warm-up, when it has one kept out of the headline figures (warm-window.ts). */
  warmup?: DeliveryShard;
  /** Per fleet, the smallest and largest application bytes any one device sent and received. */
  deviceBytes: Record<string, DeviceBytes>;
  /** Per group: packets and bytes by kind and connections opened, for the power model. */
  wire: Record<string, WireTotalsByKind>;
  /** Per group: what its devices' drivers had not been shown read by the peer when they closed (DriverDevice.unread). */
  unread?: Record<string, UnreadMessages>;
  /** True when the shard stopped early (Ctrl-C, abort). */
  interrupted: boolean;
  /** When this worker's paced client connects started (connect-pacing.ts). */
  connectStarts?: ConnectStarts;
}
