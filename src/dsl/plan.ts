// The validated, normalised form of a scenario that the runner executes. Built from the same
// scenario file in the main thread and in every worker, so functions (payload generators) never
// cross a thread boundary.

import type { ResolvedImpair } from '../impair/spec.ts';
import type { ParsedExpectations } from '../thresholds/health.ts';
import type { ParsedThreshold } from '../thresholds/parse.ts';
import type { FaultPlan, ReconnectPolicy } from './faults.ts';
import type { PayloadSpec } from './payload.ts';
import type { ResolvedPower } from './power.ts';
import type { ResolvedSchedule } from './schedule.ts';
import type { WarmupPlan } from './warmup.ts';

/**
 * 'server': an embedded server that receives (the CoAP sink), added by the runner, never in a
 * scenario. 'will': the Last Wills of a fleet (`receives: ['sensors:will']`), a sender without
 * devices of its own: the fleet's devices leave them, the server publishes them.
 */
export type GroupKind = 'fleet' | 'observer' | 'command' | 'server' | 'will';

export interface PublishPlan {
  /** Topic template: {id} {fleet} and, for commands, {target}. */
  topic: string;
  schedule: ResolvedSchedule;
  payload: PayloadSpec;
  /** Per-device message limit, if any. */
  messages: number | undefined;
  /** Commands: the actuator group addressed, round-robin over its devices. */
  commandTo: string | undefined;
}

export interface GroupPlan {
  name: string;
  /** Position in the scenario; the high part of every stream id of this group. */
  index: number;
  kind: GroupKind;
  count: number;
  protocol: string;
  /** Driver-specific options, already validated by the driver. */
  options: unknown;
  /** Key into Plan.targets. */
  target: string;
  publish: PublishPlan | undefined;
  /** Topic filter templates ({id} {fleet} substituted per device), MQTT `$share/` prefix applied. */
  subscribe: string[] | undefined;
  /** Groups whose streams this group is expected to receive. */
  receives: string[];
  /** 'each': every device expects every message; 'group': each message once across the group. */
  receiverMode: 'each' | 'group';
  /** Actuators: answer each command; the reply payload echoes the command's stamp. */
  reply: boolean;
  /** Fleets with `power`: the radio, battery and session the power model prices them with. */
  power?: ResolvedPower;
  /** How devices come back after a lost connection; false: they stay down. */
  reconnect: ReconnectPolicy | false;
  /** A fleet whose Last Wills someone receives: the name of its will group. */
  will?: string;
  /** Observers: a late subscriber connects this long after the send phase starts. */
  startMs?: number;
  /** Observers: disconnected on purpose, session kept, over this part of the send phase (ms from its start). */
  offline?: { fromMs: number; toMs: number };
  /** A will group: the fleet whose devices leave the wills, and the will's topic template. */
  willOf?: { fleet: string; topic: string };
}

export interface Plan {
  file: string;
  name: string;
  durationMs: number;
  rampUpMs: number;
  drainMs: number;
  connectRatePerS: number;
  connectTimeoutMs: number;
  seed: number | undefined;
  /** Target URLs by name as the scenario gives them ('embedded' when absent). */
  targets: Record<string, string>;
  groups: GroupPlan[];
  /** Pass/fail criteria, checked at the end (and once a second for abortOnFail ones). */
  thresholds: ParsedThreshold[];
  /** The scenario's `expect`: which default health checks it loosens. */
  expect: ParsedExpectations;
  /** Faults the scenario injects during the send phase, in its order. */
  faults: FaultPlan[];
  /** Targets behind an impairment proxy, by target name (the scenario's `impair`). */
  impair: Record<string, ResolvedImpair>;
  /** The scenario's `warmup`: the first part of the send phase, kept out of the headline figures (dsl/warmup.ts). */
  warmup?: WarmupPlan;
  /** Local addresses the devices' sockets bind to, expanded (dsl/source-addresses.ts); absent: the kernel picks. */
  sourceAddresses?: string[];
}

export function groupByName(plan: Plan, name: string): GroupPlan | undefined {
  return plan.groups.find((g) => g.name === name);
}
