// The default health verdict: checks every run passes whatever its thresholds say, because a
// run that went wrong must never exit 0 by accident (docs/thresholds-and-ci.md). A scenario
// that expects a fault on purpose says so in `expect`, which loosens or waives the check; a
// worker crash is a fleetbench fault and cannot be waived.

import type { Checker } from '../base/check.ts';
import { RunErrorCodes } from '../base/errors.ts';
import { formatCount, formatUs } from '../base/format.ts';
import { groupCodeKey, RUN_CODES, splitGroupCodeKey } from '../metrics/codes.ts';
import { decodeHistogram } from '../metrics/histogram.ts';
import { HistogramKind, histogramKey } from '../metrics/names.ts';
import { driverFor } from '../protocols/registry.ts';
import { storedLines } from '../result/stored.ts';
import type { FleetResult, HealthCheck, HealthName, RunResult } from '../result/types.ts';
import type { ParsedThreshold } from './parse.ts';

/** The scenario's `expect`: faults the run is meant to see. */
export interface Expectations {
  /** Connection attempts allowed to fail: a count, or true for any number. */
  connectErrors?: number | boolean;
  /** Groups allowed never to connect a device, or true for any group. */
  neverConnected?: boolean | readonly string[];
  /** Receivers may get messages this run did not send (a topic shared with other publishers on purpose). */
  crossTalk?: boolean;
  /** Share of scheduled sends allowed to be late or skipped ('50%' or 0.5), or true for any share. */
  lateSends?: number | string | boolean;
  /**
   * Connections the run may lose and get back (beyond those its `faults` drop): a count over the
   * run, a list of groups, or true for any. Thresholds on a group's outage figures accept its outages too.
   */
  disconnects?: number | boolean | readonly string[];
  /** Groups allowed to end with devices still down after a loss (a fleet killed with reconnect: false), or true for any. */
  unrecovered?: boolean | readonly string[];
}

/** Expectations as judged: limits resolved. */
export interface ParsedExpectations {
  connectErrors: number;
  neverConnected: true | ReadonlySet<string>;
  crossTalk: boolean;
  lateShare: number;
  /** Outages accepted: a count over the run, and groups whose outages are all accepted (true: every group). */
  disconnects: number;
  outageGroups: true | ReadonlySet<string>;
  unrecovered: true | ReadonlySet<string>;
}

/**
 * A group more than this share of whose scheduled sends fired over LATE_BOUND_US behind their
 * intended time, or were skipped at the end (generator_behind), measured the generator, not the
 * system under test. An overloaded generator falls further behind every second (1000 devices
 * every millisecond on one worker: most sends never made). One that keeps up stays far below
 * the bound even on a loaded runner: the quickstart on this 2-core machine had p90 send
 * lateness 3–6 ms at load average 11, and two quickstarts side by side beside four test
 * suites had p75 110–160 ms. The bound is set so that a busy CI runner does not
 * fail a healthy run; a tighter limit is a threshold on send_lateness.
 */
export const DEFAULT_LATE_SHARE = 0.25;
export const LATE_BOUND_US = 1_000_000;

const FIELDS = ['connectErrors', 'neverConnected', 'crossTalk', 'lateSends', 'disconnects', 'unrecovered'] as const;

export const NO_EXPECTATIONS: ParsedExpectations = {
  connectErrors: 0,
  neverConnected: new Set(),
  crossTalk: false,
  lateShare: DEFAULT_LATE_SHARE,
  disconnects: 0,
  outageGroups: new Set(),
  unrecovered: new Set(),
};

/** Parses the scenario's `expect`; problems go to `check`. */
export function parseExpectations(check: Checker, raw: unknown, groups: readonly string[]): ParsedExpectations {
  if (raw === undefined) return NO_EXPECTATIONS;
  const o = check.section('expect', raw, FIELDS);
  if (!o) return NO_EXPECTATIONS;
  const out = { ...NO_EXPECTATIONS };
  const c = o.connectErrors;
  if (c === true) out.connectErrors = Number.POSITIVE_INFINITY;
  else if (c !== undefined && c !== false)
    out.connectErrors = check.integer('expect.connectErrors', c, 0, Number.MAX_SAFE_INTEGER) ?? 0;
  out.neverConnected = groupsOrAll(check, 'expect.neverConnected', o.neverConnected, groups);
  out.unrecovered = groupsOrAll(check, 'expect.unrecovered', o.unrecovered, groups);
  const d = o.disconnects;
  if (d === true) out.outageGroups = true;
  else if (typeof d === 'number')
    out.disconnects = check.integer('expect.disconnects', d, 0, Number.MAX_SAFE_INTEGER) ?? 0;
  else if (Array.isArray(d)) out.outageGroups = groupsOrAll(check, 'expect.disconnects', d, groups);
  else if (d !== undefined && d !== false)
    check.fail('expect.disconnects', 'true, false, a count or a list of group names', d);
  if (o.crossTalk !== undefined) {
    if (typeof o.crossTalk === 'boolean') out.crossTalk = o.crossTalk;
    else check.fail('expect.crossTalk', 'true or false', o.crossTalk);
  }
  out.lateShare = lateShare(check, o.lateSends);
  return out;
}

/** true, or a list of the scenario's group names (each checked). */
function groupsOrAll(check: Checker, path: string, v: unknown, groups: readonly string[]): true | Set<string> {
  if (v === true) return true;
  if (v === undefined || v === false) return new Set();
  if (!Array.isArray(v)) {
    check.fail(path, 'true, false or a list of group names', v);
    return new Set();
  }
  v.forEach((g, i) => {
    if (typeof g !== 'string' || !groups.includes(g))
      check.fail(`${path}[${i}]`, `a fleet, observer or command name (${groups.join(', ')})`, g);
  });
  return new Set(v.filter((g): g is string => typeof g === 'string'));
}

/** Threshold metrics on outages: a scenario that puts a limit on them decides by that limit. */
const OUTAGE_METRICS: readonly string[] = [
  'disconnects',
  'reconnects',
  'reconnect_latency',
  'unsent',
  'downtime',
  'unrecovered',
  'in_doubt',
];

/**
 * The expectations with the outages the scenario otherwise accepts: those of `groups` (a link
 * impaired to reset or blackhole them), and those its thresholds judge (a run-wide one: all).
 */
export function acceptOutages(
  expect: ParsedExpectations,
  thresholds: readonly Pick<ParsedThreshold, 'metric' | 'group'>[],
  groups: Iterable<string> = [],
): ParsedExpectations {
  if (expect.outageGroups === true) return expect;
  const judged = thresholds.filter((t) => OUTAGE_METRICS.includes(t.metric));
  if (judged.some((t) => t.group === undefined)) return { ...expect, outageGroups: true };
  const accepted = new Set([...expect.outageGroups, ...groups]);
  for (const t of judged) if (t.group !== undefined) accepted.add(t.group);
  return { ...expect, outageGroups: accepted };
}

/** Whether `group` is one of `groups` (true: all). */
export function among(groups: true | ReadonlySet<string>, group: string): boolean {
  return groups === true || groups.has(group);
}

function lateShare(check: Checker, v: unknown): number {
  if (v === undefined || v === false) return DEFAULT_LATE_SHARE;
  if (v === true) return 1;
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v) : null;
  const share = typeof v === 'number' ? v : m ? Number(m[1]) / 100 : Number.NaN;
  if (!(share >= 0 && share <= 1))
    return check.fail('expect.lateSends', "a share from 0 to 1 or a percentage ('50%'), or true", v) ?? 1;
  return share;
}

/** Judges the run's health. Every check is listed, passed or not, in a fixed order. */
export function evaluateHealth(result: RunResult, expect: ParsedExpectations): HealthCheck[] {
  const groups = Object.entries(result.fleets).filter(([, f]) => f.kind !== 'server' && f.devicesRun > 0);
  const firstError = (group: string): string => {
    const e = result.errors.find((x) => x.group === group);
    return e ? ` (${e.message.split('\n')[0]})` : '';
  };
  const checks: HealthCheck[] = [];
  const add = (name: HealthName, at: string[], failure: string, pass: string, waived = false): void => {
    const passed = at.length === 0;
    checks.push({ name, passed, message: passed ? pass : failure, groups: at, waived: passed && waived });
  };

  const silent = groups.filter(([, f]) => f.devices.peakConnected === 0 && f.devices.connects === 0);
  const unexpected = silent.filter(([g]) => !among(expect.neverConnected, g));
  add(
    'never_connected',
    unexpected.map(([g]) => g),
    unexpected
      .map(
        ([g, f]) =>
          `${g}: none of ${formatCount(f.devicesRun)} device${f.devicesRun === 1 ? '' : 's'} connected${firstError(g)}`,
      )
      .join('; '),
    silent.length > 0
      ? `only expected groups never connected (${silent.map(([g]) => g).join(', ')})`
      : 'every group connected',
    silent.length > 0,
  );

  const failed = groups.filter(([, f]) => f.devices.connectFailed > 0);
  const total = failed.reduce((n, [, f]) => n + f.devices.connectFailed, 0);
  const tooMany = total > expect.connectErrors;
  add(
    'connect_errors',
    tooMany ? failed.map(([g]) => g) : [],
    `${formatCount(total)} connection attempt${total === 1 ? '' : 's'} failed${Number.isFinite(expect.connectErrors) && expect.connectErrors > 0 ? ` (expected at most ${expect.connectErrors})` : ''}: ${failed.map(([g, f]) => `${g} ${formatCount(f.devices.connectFailed)}${firstError(g)}`).join('; ')}`,
    total > 0 ? `${formatCount(total)} failed connection attempts, as expected` : 'no connection attempt failed',
    total > 0,
  );

  const foreign = groups.filter(([, f]) => f.messages.unstamped > 0);
  const talk = expect.crossTalk ? [] : foreign;
  add(
    'cross_talk',
    talk.map(([g]) => g),
    `receivers got messages this run did not send: ${talk.map(([g, f]) => `${g} ${formatCount(f.messages.unstamped)}`).join(', ')} (another run's, another publisher's, or retained or queued by an earlier run); derive topics and paths from {run} or declare expect.crossTalk`,
    foreign.length > 0
      ? 'messages from outside the run arrived, as expected'
      : "receivers got only this run's messages",
    foreign.length > 0,
  );

  const crashes = result.errors.filter((e) => e.code === RunErrorCodes.WORKER_CRASHED);
  add(
    'worker_crashed',
    [...new Set(crashes.map((e) => e.group))],
    `a worker thread failed: ${crashes.map((e) => e.message.split('\n')[0]).join('; ')}`,
    'no worker thread failed',
  );

  // Per sending group: its scheduled sends (made and skipped) and, for the default and the
  // expected share, the lateness by which the rest of them had fired (skipped ones never did).
  // Each histogram is decoded once and freed.
  const sending = groups.flatMap(([g, f]) => {
    const behind = result.codes[groupCodeKey(g, RUN_CODES.keys.dropped.generator_behind)] ?? 0;
    const scheduled = f.messages.sent + behind;
    if (scheduled === 0) return [];
    const encoded = result.histograms[histogramKey(g, HistogramKind.sendLateness)];
    const h = encoded === undefined ? undefined : decodeHistogram(encoded);
    const within = (lateShare: number): number => {
      const needed = (1 - lateShare) * scheduled;
      if (needed <= 0) return 0;
      if (!h || needed > h.totalCount) return Number.POSITIVE_INFINITY;
      return h.getValueAtPercentile((100 * needed) / h.totalCount);
    };
    const atDefault = within(DEFAULT_LATE_SHARE);
    const atUs = within(expect.lateShare);
    h?.destroy();
    return [{ g, behind, scheduled, atUs, atDefault }];
  });
  const saturated = sending.filter((s) => s.atUs > LATE_BOUND_US);
  const late = sending.some((s) => s.atDefault > LATE_BOUND_US);
  const share = (limit: number): string => `${Math.round(limit * 100)}%`;
  add(
    'generator_saturated',
    saturated.map((s) => s.g),
    `the generator could not keep its schedule: more than ${share(expect.lateShare)} of sends fired over ${LATE_BOUND_US / 1e6} s late or were skipped (${saturated.map((s) => `${s.g}: ${formatCount(s.behind)} of ${formatCount(s.scheduled)} skipped${Number.isFinite(s.atUs) ? `, ${share(1 - expect.lateShare)} of sends within ${formatUs(s.atUs)} of their time` : ''}`).join('; ')}); figures measure this machine, not the target: lower the rate, use more --workers or machines`,
    late ? 'sends were late, within the share the scenario expects' : 'the generator kept its schedule',
    late,
  );
  outageChecks(groups, expect, add);
  // Deliveries a server owes from what it stored: a late subscriber's retained messages, an
  // offline observer's queued ones. Absent from results without late or offline receivers.
  const stored = result.delivery.flatMap(storedLines);
  if (stored.length > 0) {
    const short = result.delivery.filter((d) => storedLines(d).some((l) => l.short));
    add(
      'stored_deliveries',
      [...new Set(short.map((d) => d.to))],
      `expected stored deliveries did not happen: ${stored
        .filter((l) => l.short)
        .map((l) => l.text)
        .join('; ')}`,
      'every expected retained and session-queued delivery happened',
    );
  }
  protocolErrors(result, add);
  return checks;
}

/**
 * Codes a driver (or the run) marks as failing (CodeWords.fails): the peer broke its protocol,
 * e.g. an acknowledgement of the wrong type for the delivery guarantee asked for, or sends were
 * refused because they break a limit the peer announced. Either way the figures do not measure
 * what the scenario asked for.
 */
function protocolErrors(
  result: RunResult,
  add: (name: HealthName, at: string[], failure: string, pass: string, waived?: boolean) => void,
): void {
  const seen: { group: string; what: string }[] = [];
  for (const [key, count] of Object.entries(result.codes ?? {})) {
    const split = count > 0 ? splitGroupCodeKey(key) : undefined;
    const fleet = split && result.fleets[split.group];
    if (!split || !fleet) continue;
    const words =
      driverFor(fleet.protocol)?.codes.describe(split.packet, split.code) ??
      RUN_CODES.describe(split.packet, split.code);
    if (words?.fails) seen.push({ group: split.group, what: `${split.group} ${formatCount(count)}× ${words.meaning}` });
  }
  add(
    'protocol_errors',
    [...new Set(seen.map((s) => s.group))],
    `${seen.map((s) => s.what).join('; ')}; see errors for each one's code`,
    'no protocol violation and no send refused by a limit the peer announced',
  );
}

/** The failed checks, for verdicts. */
export function failedHealth(result: Pick<RunResult, 'health'>): HealthCheck[] {
  return (result.health ?? []).filter((h) => !h.passed);
}

/**
 * Connections lost and got back (outages), and devices that never came back (unrecovered). A
 * fault the scenario scripted is expected; any other lost connection fails the run unless the
 * scenario accepts it: `expect.disconnects`, or a threshold on the group's outage figures (which
 * then decides), or an impaired link that resets or blackholes it.
 */
function outageChecks(
  groups: readonly [string, FleetResult][],
  expect: ParsedExpectations,
  add: (name: HealthName, at: string[], failure: string, pass: string, waived?: boolean) => void,
): void {
  const lostBy = (f: FleetResult): number => f.devices.disconnects - f.devices.faulted;
  const lost = groups.filter(([, f]) => lostBy(f) > 0);
  const unaccepted = lost.filter(([g]) => !among(expect.outageGroups, g));
  const total = unaccepted.reduce((n, [, f]) => n + lostBy(f), 0);
  const failing = total > expect.disconnects ? unaccepted : [];
  const describe = ([g, f]: [string, FleetResult]): string => {
    const d = f.devices;
    const scripted = d.faulted > 0 ? ` besides ${formatCount(d.faulted)} the faults dropped` : '';
    const p99 = f.latency.reconnect ? `, reconnect p99 ${formatUs(f.latency.reconnect.p99)}` : '';
    return `${g} ${formatCount(lostBy(f))} lost${scripted}, ${formatCount(d.reconnects)} of ${formatCount(d.disconnects)} back${p99}`;
  };
  add(
    'outages',
    failing.map(([g]) => g),
    `connections were lost: ${failing.map(describe).join('; ')}; a run that expects outages declares expect.disconnects or a threshold on disconnects, reconnect_latency or unsent`,
    lost.length > 0
      ? `connections were lost, as expected: ${lost.map(describe).join('; ')}`
      : groups.some(([, f]) => f.devices.faulted > 0)
        ? 'no connection was lost but those the faults dropped'
        : 'no connection was lost',
    lost.length > 0,
  );
  const down = groups.filter(([, f]) => (f.devices.unrecovered ?? 0) > 0);
  const stuck = down.filter(([g]) => !among(expect.unrecovered, g));
  add(
    'unrecovered',
    stuck.map(([g]) => g),
    `devices lost their connection and never got it back: ${stuck.map(([g, f]) => `${g} ${formatCount(f.devices.unrecovered)} of ${formatCount(f.devicesRun)} still down at the end`).join('; ')}`,
    down.length > 0 ? 'devices stayed down, as expected' : 'every lost connection came back',
    down.length > 0,
  );
}
