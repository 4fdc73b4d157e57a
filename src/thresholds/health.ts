// The default health verdict: checks every run passes whatever its thresholds say, because a
// run that went wrong must never exit 0 by accident (docs/thresholds-and-ci.md). A scenario
// that expects a fault on purpose says so in `expect`, which loosens or waives the check; a
// worker crash is a fleetbench fault and cannot be waived.

import type { Checker } from '../base/check.ts';
import { RunErrorCodes } from '../base/errors.ts';
import { formatCount, formatUs } from '../base/format.ts';
import { groupCodeKey, RUN_CODES } from '../metrics/codes.ts';
import { decodeHistogram } from '../metrics/histogram.ts';
import { HistogramKind, histogramKey } from '../metrics/names.ts';
import type { HealthCheck, HealthName, RunResult } from '../result/types.ts';

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
}

/** Expectations as judged: limits resolved. */
export interface ParsedExpectations {
  connectErrors: number;
  neverConnected: true | ReadonlySet<string>;
  crossTalk: boolean;
  lateShare: number;
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

const FIELDS = ['connectErrors', 'neverConnected', 'crossTalk', 'lateSends'] as const;

export const NO_EXPECTATIONS: ParsedExpectations = {
  connectErrors: 0,
  neverConnected: new Set(),
  crossTalk: false,
  lateShare: DEFAULT_LATE_SHARE,
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
  const n = o.neverConnected;
  if (n === true) out.neverConnected = true;
  else if (Array.isArray(n)) {
    n.forEach((g, i) => {
      if (typeof g !== 'string' || !groups.includes(g))
        check.fail(`expect.neverConnected[${i}]`, `a fleet, observer or command name (${groups.join(', ')})`, g);
    });
    out.neverConnected = new Set(n.filter((g): g is string => typeof g === 'string'));
  } else if (n !== undefined && n !== false)
    check.fail('expect.neverConnected', 'true, false or a list of group names', n);
  if (o.crossTalk !== undefined) {
    if (typeof o.crossTalk === 'boolean') out.crossTalk = o.crossTalk;
    else check.fail('expect.crossTalk', 'true or false', o.crossTalk);
  }
  out.lateShare = lateShare(check, o.lateSends);
  return out;
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
  const unexpected = silent.filter(([g]) => expect.neverConnected !== true && !expect.neverConnected.has(g));
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
  return checks;
}

/** The failed checks, for verdicts. */
export function failedHealth(result: Pick<RunResult, 'health'>): HealthCheck[] {
  return (result.health ?? []).filter((h) => !h.passed);
}
