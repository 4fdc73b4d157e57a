// A run in which devices lost their connections, built by hand (the runner fills these fields
// for real): gps lost 12 connections (10 resets, 2 killed by a fault), 11 came back, 1 device
// was still down at the end; its receiver backend had none. And the same run without outages,
// for the quiet path: nothing new may be printed for it.
import type { LatencySummary } from '../../src/metrics/histogram.ts';
import type { DeliveryResult, FleetResult, RunResult, TimelinePoint } from '../../src/result/types.ts';
import { delivery, fleet, result, times } from './results.ts';

const s = 1_000_000;

/** The reconnect latencies recorded for gps, in µs: 11 reconnects, 1 s to 4.5 s. */
export const RECONNECT_US = [...times(6, 1 * s), ...times(4, 2 * s), 4.5 * s];

function summary(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  const mean = sorted.reduce((n, v) => n + v, 0) / sorted.length;
  return {
    count: sorted.length,
    min: sorted[0] ?? 0,
    mean,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: sorted[sorted.length - 1] ?? 0,
    stddev: 0,
  };
}

function quiet(f: FleetResult, count: number): FleetResult {
  return {
    ...f,
    count,
    devicesRun: count,
    devices: { ...f.devices, peakConnected: count, connects: count, disconnects: 0 },
  };
}

function observer(): FleetResult {
  const f = quiet(fleet({ kind: 'observer' }), 1);
  return { ...f, messages: { ...f.messages, sent: 0, acked: 0, received: 1000 } };
}

function timeline(outage: boolean): TimelinePoint[] {
  const points: TimelinePoint[] = [];
  for (let t = 1; t <= 10; t++) {
    // gps: all 20 up, 12 lost at t=4, 6 back at t=6, 5 more at t=8; one never returns.
    const connected = !outage || t < 4 ? 20 : t < 6 ? 8 : t < 8 ? 14 : 19;
    points.push({
      t,
      phase: t === 1 ? 'connect' : t === 10 ? 'drain' : 'run',
      fleets: {
        gps: {
          connected,
          sent: 100,
          acked: 100,
          received: 0,
          dropped: 0,
          errors: 0,
          disconnects: outage && t === 4 ? 12 : 0,
          unsent: outage && t >= 4 && t < 8 ? 10 : 0,
        },
        backend: {
          connected: 1,
          sent: 0,
          acked: 0,
          received: 100,
          dropped: 0,
          errors: 0,
          disconnects: 0,
          unsent: 0,
        },
      },
      latency: {},
    });
  }
  return points;
}

export function outageResult(): RunResult {
  const gps = quiet(fleet(), 20);
  gps.devices = {
    ...gps.devices,
    disconnects: 12,
    faulted: 2,
    reconnectAttempts: 15,
    reconnects: 11,
    unrecovered: 1,
    downtimeS: 34.5,
  };
  gps.messages = { ...gps.messages, sent: 1000, dropped: 10, unsent: 40, inDoubt: 3, resent: 2 };
  gps.latency = { reconnect: summary(RECONNECT_US) };
  const toBackend: DeliveryResult = {
    ...delivery('gps', 'backend', 1000, 3),
    received: 999,
    duplicated: 2,
    unsent: 40,
    inDoubt: 3,
    resent: 2,
    verdict: { kept: true, violations: [] },
  };
  const r = result({
    name: 'outage',
    fleets: { gps, backend: observer() },
    delivery: [toBackend],
    latencies: { 'gps|reconnect': RECONNECT_US },
  });
  r.codes = { 'gps|lost|reset': 10, 'gps|lost|injected_kill': 2, 'gps|puback|0': 1000 };
  r.timeline = timeline(true);
  return r;
}

/** The same run where nothing was lost: no field of the outage pieces is set. */
export function quietResult(): RunResult {
  const r = result({
    name: 'outage',
    fleets: { gps: quiet(fleet(), 20), backend: observer() },
    delivery: [delivery('gps', 'backend', 1000, 0)],
  });
  r.codes = { 'gps|puback|0': 1000 };
  r.timeline = timeline(false);
  return r;
}
