// Faults a scenario scripts, and how its devices come back: a fleet's `reconnect` policy
// (exponential backoff with jitter, as device SDKs do) and the run's `faults` (kill, disconnect,
// churn, reconnect storm), validated into plans the workers execute.

import type { Checker } from '../base/check.ts';
import type { Duration, Rate } from '../base/units.ts';

/**
 * How a device reconnects after losing its connection: the n-th attempt waits up to
 * min(max, initial × 2ⁿ), less a random share of that (`jitter`): 'full' waits anywhere from 0
 * to the cap (AWS's "full jitter"), 'none' waits the cap. Defaults: 1 s doubling to 60 s, full jitter.
 */
export interface ReconnectSpec {
  initial?: Duration;
  max?: Duration;
  jitter?: 'full' | 'none' | number | string;
}

/** Group names, or 'all' for every group that connects. */
export type FaultTarget = string | readonly string[];

interface FaultBase {
  /** When, from the start of the send phase, e.g. '10s'. */
  at: Duration;
}
/** Ungraceful drop: the socket is destroyed without a goodbye, so the broker publishes Last Wills. */
export interface KillFault extends FaultBase {
  kill: FaultTarget;
  /** Share of each group's devices ('20%' or 0.2); default all. */
  fraction?: number | string;
}
/** Graceful drop: the device says goodbye (MQTT DISCONNECT, AMQP connection.close) and reconnects. */
export interface DisconnectFault extends FaultBase {
  disconnect: FaultTarget;
  fraction?: number | string;
}
/** Continuous churn: devices dropped one by one at `rate` across the group, each reconnecting by its policy. */
export interface ChurnFault extends FaultBase {
  churn: FaultTarget;
  rate: Rate;
  /** How long the churn lasts; default to the end of the send phase. */
  for?: Duration;
  /** Drop with a goodbye instead of killing the socket. */
  graceful?: boolean;
}
/** Every device of the groups dropped at once, and every one reconnecting at once (no backoff on the first attempt). */
export interface StormFault extends FaultBase {
  reconnectStorm: FaultTarget;
}
export type FaultDefinition = KillFault | DisconnectFault | ChurnFault | StormFault;

export interface ReconnectPolicy {
  initialMs: number;
  maxMs: number;
  /** Share of each wait that is random, 0 (none) to 1 (full). */
  jitter: number;
}

export const DEFAULT_RECONNECT: ReconnectPolicy = { initialMs: 1000, maxMs: 60_000, jitter: 1 };

export type FaultAction = 'kill' | 'disconnect' | 'churn' | 'reconnectStorm';

export interface FaultPlan {
  /** Position in the scenario's `faults`. */
  index: number;
  action: FaultAction;
  atMs: number;
  groups: string[];
  /** kill and disconnect: the share of each group's devices. */
  fraction: number;
  /** churn: drops per second across each group. */
  ratePerS?: number;
  /** churn: how long, undefined for the rest of the send phase. */
  forMs?: number;
  /** Whether devices say goodbye (disconnect, graceful churn). */
  graceful: boolean;
}

const ACTIONS: readonly FaultAction[] = ['kill', 'disconnect', 'churn', 'reconnectStorm'];
const FIELDS: Record<FaultAction, readonly string[]> = {
  kill: ['at', 'kill', 'fraction'],
  disconnect: ['at', 'disconnect', 'fraction'],
  churn: ['at', 'churn', 'rate', 'for', 'graceful'],
  reconnectStorm: ['at', 'reconnectStorm'],
};

/** A share from 0 to 1, written as a number or a percentage ('20%'); undefined when it is not one. */
export function parseShare(v: unknown): number | undefined {
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v) : null;
  const share = typeof v === 'number' ? v : m ? Number(m[1]) / 100 : Number.NaN;
  return share >= 0 && share <= 1 ? share : undefined;
}

/** A group's `reconnect`: false (never), or the policy with defaults filled in. */
export function resolveReconnect(check: Checker, path: string, raw: unknown): ReconnectPolicy | false {
  if (raw === undefined) return DEFAULT_RECONNECT;
  if (raw === false) return false;
  const o = check.section(path, raw, ['initial', 'max', 'jitter']);
  if (!o) return DEFAULT_RECONNECT;
  const initialMs =
    check.duration(`${path}.initial`, o.initial, { fallback: DEFAULT_RECONNECT.initialMs, positive: true }) ??
    DEFAULT_RECONNECT.initialMs;
  const maxMs =
    check.duration(`${path}.max`, o.max, { fallback: Math.max(DEFAULT_RECONNECT.maxMs, initialMs), positive: true }) ??
    DEFAULT_RECONNECT.maxMs;
  if (maxMs < initialMs) check.fail(`${path}.max`, `a duration at least as long as initial (${initialMs} ms)`, o.max);
  let jitter = DEFAULT_RECONNECT.jitter;
  if (o.jitter === 'full') jitter = 1;
  else if (o.jitter === 'none') jitter = 0;
  else if (o.jitter !== undefined)
    jitter =
      parseShare(o.jitter) ??
      check.fail(`${path}.jitter`, "'full', 'none', or a share of each wait from 0 to 1 ('50%')", o.jitter) ??
      1;
  return { initialMs, maxMs, jitter };
}

/** The scenario's `faults`; `groups` are the names of the groups that connect (fleets, observers, commands). */
export function resolveFaults(
  check: Checker,
  raw: unknown,
  groups: readonly string[],
  durationMs?: number,
): FaultPlan[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    check.fail('faults', "a list like [{ at: '10s', kill: 'sensors', fraction: '20%' }]", raw);
    return [];
  }
  const out: FaultPlan[] = [];
  raw.forEach((item, index) => {
    const path = `faults[${index}]`;
    const o = check.object(path, item);
    if (!o) return;
    const actions = ACTIONS.filter((a) => o[a] !== undefined);
    const action = actions[0];
    if (actions.length !== 1 || action === undefined) {
      check.note(
        path,
        `expected exactly one of ${ACTIONS.join(', ')}, got ${actions.length === 0 ? 'none' : actions.join(' and ')}`,
      );
      return;
    }
    check.known(path, o, FIELDS[action]);
    const atMs = check.duration(`${path}.at`, o.at);
    if (atMs !== undefined && durationMs !== undefined && atMs >= durationMs)
      check.fail(`${path}.at`, `a time within the send phase (duration ${durationMs} ms)`, o.at);
    const targets = check.strings(`${path}.${action}`, o[action], undefined, (g) =>
      g === 'all' || groups.includes(g)
        ? undefined
        : `expected a group name (${groups.join(', ')}) or 'all', got ${JSON.stringify(g)}`,
    );
    let fraction = 1;
    if (o.fraction !== undefined)
      fraction =
        parseShare(o.fraction) ??
        check.fail(`${path}.fraction`, "a share from 0 to 1 or a percentage ('20%')", o.fraction) ??
        1;
    const ratePerS = action === 'churn' ? check.rate(`${path}.rate`, o.rate) : undefined;
    const forMs = o.for === undefined ? undefined : check.duration(`${path}.for`, o.for, { positive: true });
    const graceful =
      action === 'disconnect' || (action === 'churn' && check.boolean(`${path}.graceful`, o.graceful, false));
    if (atMs === undefined || !targets) return;
    out.push({
      index,
      action,
      atMs,
      groups: targets.includes('all') ? [...groups] : [...new Set(targets)],
      fraction,
      ...(ratePerS === undefined ? {} : { ratePerS }),
      ...(forMs === undefined ? {} : { forMs }),
      graceful,
    });
  });
  return out;
}

/**
 * Whether device `index` is among the `fraction` of its group a fault picks: exactly
 * floor(count × fraction) devices, spread evenly over the indices, the same whichever worker or
 * shard owns them.
 */
export function picked(index: number, fraction: number): boolean {
  if (fraction >= 1) return true;
  return Math.floor((index + 1) * fraction + 1e-9) > Math.floor(index * fraction + 1e-9);
}
