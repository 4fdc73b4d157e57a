// The reconnect storm (scenarios/bench/reconnect-storm.ts): how long until every device is back,
// reconnect latency (drop → CONNACK), and what the backoff did to the broker's accept rate,
// with full jitter (the default policy) and without (a thundering herd).
import { run } from '../run.ts';
import { fleetOf, fmt, load, ms, type Row, scenario, withEnv } from './common.ts';

const DEVICES = 10_000;

export async function reconnectRows(target: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const jitter of ['full', 'none'] as const) {
    const before = load();
    const { result } = await withEnv({ FB_BENCH_DEVICES: DEVICES, FB_BENCH_JITTER: jitter }, () =>
      run({ scenario: scenario('reconnect-storm'), targets: { mqtt: target }, workers: 2, write: false }),
    );
    const f = fleetOf(result, 'storm');
    const r = f.latency.reconnect;
    // Connected devices per second of the send phase: the steepest rise after the storm is the
    // broker's peak accept rate, as the devices saw it (CONNACKs per second).
    const connected = result.timeline.filter((p) => p.phase === 'run').map((p) => p.fleets.storm?.connected ?? 0);
    let peak = 0;
    for (let i = 1; i < connected.length; i++)
      peak = Math.max(peak, (connected[i] as number) - (connected[i - 1] as number));
    rows.push([
      `reconnect storm, ${fmt(DEVICES)} idle devices, jitter ${jitter}`,
      r ? `all back in ${ms(r.max)}; p50 ${ms(r.p50)}, p99 ${ms(r.p99)}` : 'no reconnect measured',
      `${fmt(f.devices.faulted)} dropped at once, ${fmt(f.devices.reconnects)} back, ${fmt(f.devices.unrecovered)} never; ${fmt(f.devices.reconnectAttempts)} attempts; peak ${fmt(peak)} connects/s; load ${before}`,
    ]);
  }
  return rows;
}
