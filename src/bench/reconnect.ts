// Every device of 10,000 dropped at once (scenarios/bench/reconnect-storm.ts): how long until
// all are back, reconnect latency (drop → CONNACK), and what the backoff does to the arrivals:
// a reconnect storm (everyone's first attempt at once), then the default policy (full jitter:
// the first attempts spread over 1 s) and no jitter (everyone retries together after 1 s).
import { run } from '../run.ts';
import { fleetOf, fmt, load, ms, type Row, scenario, withEnv } from './common.ts';

const DEVICES = 10_000;

const MODES = [
  { fault: 'storm', jitter: 'full', label: 'reconnect storm (first attempts at once)' },
  { fault: 'kill', jitter: 'full', label: 'kill all, default policy (1 s doubling, full jitter)' },
  { fault: 'kill', jitter: 'none', label: 'kill all, no jitter (everyone retries after 1 s)' },
] as const;

export async function reconnectRows(target: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const mode of MODES) {
    const before = load();
    const { result } = await withEnv(
      { FB_BENCH_DEVICES: DEVICES, FB_BENCH_JITTER: mode.jitter, FB_BENCH_FAULT: mode.fault },
      () => run({ scenario: scenario('reconnect-storm'), targets: { mqtt: target }, workers: 2, write: false }),
    );
    const f = fleetOf(result, 'storm');
    const r = f.latency.reconnect;
    // The arrivals' spread: from the first device back to the last. Over that window the broker
    // accepted, on average, devices / spread connections per second.
    const spreadUs = r ? r.max - r.min : 0;
    rows.push([
      `${fmt(DEVICES)} idle devices: ${mode.label}`,
      r ? `all back in ${ms(r.max)}; p50 ${ms(r.p50)}, p99 ${ms(r.p99)}` : 'no reconnect measured',
      `first back after ${r ? ms(r.min) : '-'}; ${fmt(f.devices.reconnects)} back, ${fmt(f.devices.unrecovered)} never, ${fmt(f.devices.reconnectAttempts)} attempts; arrivals over ${ms(spreadUs)} (${spreadUs > 0 ? fmt(f.devices.reconnects / (spreadUs / 1e6)) : '-'} connects/s on average); load ${before}`,
    ]);
  }
  return rows;
}
