// The scenario DSL as the user writes it. defineScenario() returns its argument unchanged
// (vitest defineConfig style), so these types are what editors check and autocomplete.

import type { ProtocolSpec } from '../base/spec.ts';
import type { Duration, Rate } from '../base/units.ts';
import type { Expectations } from '../thresholds/health.ts';
import type { Thresholds } from '../thresholds/parse.ts';
import type { ScenarioEnv, ScenarioWithEnv } from './env.ts';
import type { FaultDefinition, ReconnectSpec } from './faults.ts';
import type { ImpairDefinition } from './impair.ts';
import type { PayloadSpec } from './payload.ts';
import type { PowerSpec } from './power.ts';
import type { ScheduleSpec } from './schedule.ts';
import type { OfflineSpec } from './sessions.ts';
import type { WarmupDefinition } from './warmup.ts';

/** Devices that publish (sensors) and/or subscribe (actuators). */
export interface FleetDefinition {
  /** Number of virtual devices; each has its own connection and client id. */
  count: number;
  protocol: ProtocolSpec;
  /** Publish topic template: {id} is the device index, {fleet} the fleet name. */
  topic?: string;
  /** CoAP: the resource path requested (or, with `serve`, served), e.g. '/telemetry/{id}'. */
  path?: string;
  /** When devices send; omit for fleets that only subscribe. */
  send?: ScheduleSpec;
  /** Stop each device after this many messages (makes exact-count runs possible). */
  messages?: number;
  payload?: PayloadSpec;
  /** Actuators: the topic filter each device subscribes to ({id}, {fleet} substituted). */
  subscribe?: string;
  /** Actuators: answer every command (MQTT 5 response topic + correlation data). */
  reply?: boolean;
  /** Battery devices: radio profile, battery and session mode for the energy estimate (see docs/power.md). */
  power?: PowerSpec;
  /** After a lost connection: `{ initial: '1s', max: '60s', jitter: 'full' }` (the default), or false to stay down. */
  reconnect?: false | ReconnectSpec;
}

/** Receivers with an explicit expectation: each listed fleet's messages must all arrive. */
export interface ObserverDefinition {
  count?: number;
  protocol: ProtocolSpec;
  /** The fleets (or command groups) whose every message each observer expects. */
  receives: string[];
  /** Topic filters; by default derived from the received fleets' topic templates. */
  subscribe?: string | string[];
  /** MQTT 5 shared subscription group: the observers split the stream, counted as one receiver. */
  share?: string;
  /** After a lost connection: backoff policy, or false to stay down (see FleetDefinition.reconnect). */
  reconnect?: false | ReconnectSpec;
  /**
   * A late subscriber: connects and subscribes this long after the send phase starts (e.g. '2s'),
   * and expects the messages the server retained before it (one per topic) and those sent after.
   */
  startTime?: Duration;
  /**
   * Goes offline from `from` until `to` (times from the start of the send phase): a clean
   * disconnect that keeps its session, and on return the messages sent meanwhile (QoS ≥ 1).
   * Needs a kept session, e.g. mqtt({ clean: false }) or, with version 5, a sessionExpiry.
   */
  offline?: OfflineSpec;
}

/** Senders of commands to an actuator fleet; each command goes to one target device. */
export interface CommandDefinition {
  count?: number;
  protocol: ProtocolSpec;
  /** The actuator fleet that receives the commands. */
  to: string;
  /** Topic template; {target} is the addressed device's index. */
  topic: string;
  send: ScheduleSpec;
  messages?: number;
  payload?: PayloadSpec;
  /** After a lost connection: backoff policy, or false to stay down (see FleetDefinition.reconnect). */
  reconnect?: false | ReconnectSpec;
}

export interface ScenarioDefinition {
  name: string;
  description?: string;
  /** Length of the send phase, e.g. '30s'. */
  duration: Duration;
  /** Device send schedules start staggered linearly over this period. */
  rampUp?: Duration;
  /** How long to keep receiving after the last send before closing (default '2s'). */
  drain?: Duration;
  /**
   * The first part of the send phase, run for real but kept out of the headline figures and
   * thresholds: `'5s'`, or `{ duration: '5s', include: true }` to count it after all (docs/scenarios.md#warm-up).
   */
  warmup?: WarmupDefinition;
  /** How fast devices connect, across all workers (default '500/s'). */
  connectRate?: Rate;
  /** Per-connection timeout (default '10s'). */
  connectTimeout?: Duration;
  /** Seed for jitter, Poisson gaps and payload randomness (default: random per run). */
  seed?: number;
  /**
   * Local addresses for the devices' sockets, device i of a fleet using the (i mod n)-th: a list
   * (`['127.0.0.2', '127.0.0.3']`) or an IPv4 CIDR (`'127.0.0.0/29'`, its hosts). Spreads connections
   * over source addresses when one runs out of ephemeral ports (docs/processes.md).
   */
  sourceAddresses?: string[] | string;
  /** Broker and server URLs by name; a missing `mqtt` target starts the embedded broker. */
  targets?: Record<string, string>;
  fleets: Record<string, FleetDefinition>;
  observers?: Record<string, ObserverDefinition>;
  commands?: Record<string, CommandDefinition>;
  /**
   * Pass/fail criteria, k6 style: `{ 'gps.e2e_latency': ['p(99) < 50ms'], 'soil.loss': ['rate < 0.001'],
   * connect_errors: ['count == 0'] }`. A failed threshold makes the run exit 1; `abortOnFail` stops it early.
   */
  thresholds?: Thresholds;
  /**
   * Faults this run is meant to see, loosening the default health checks that fail every run
   * otherwise: `{ connectErrors: 5, neverConnected: ['gateway'], crossTalk: true, lateSends: '50%' }`.
   */
  expect?: Expectations;
  /**
   * Faults injected during the send phase, to test recovery: `[{ at: '10s', kill: 'sensors', fraction: '20%' },
   * { at: '20s', churn: 'gps', rate: '50/s', for: '5s' }, { at: '30s', reconnectStorm: 'all' }]`.
   */
  faults?: FaultDefinition[];
  /**
   * A degraded link in front of targets, by target name: `{ mqtt: { latency: '20ms', jitter: '5ms',
   * bandwidth: '250kbit/s', blackhole: { at: '5s', for: '3s' }, reset: { at: '10s' } } }` (docs/faults.md#impairment-a-degraded-link-in-front-of-a-target).
   */
  impair?: Record<string, ImpairDefinition>;
}

export type { ImpairDefinition, ProtocolSpec };

/** A scenario, returned as given; or, with inputs declared in `env`, a builder run on their resolved values. */
export function defineScenario<const S extends ScenarioDefinition>(scenario: S): S;
export function defineScenario<const K extends string>(
  declared: { env: Record<K, string> },
  build: (env: ScenarioEnv<K>) => ScenarioDefinition,
): ScenarioWithEnv<K, ScenarioDefinition>;
export function defineScenario(
  scenario: ScenarioDefinition | { env: Record<string, string> },
  build?: (env: ScenarioEnv) => ScenarioDefinition,
): unknown {
  return build ? { env: (scenario as { env: Record<string, string> }).env, build } : scenario;
}
