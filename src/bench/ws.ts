// `npm run bench -- --only=ws`: fan-out through the embedded WebSocket hub, 10 publishers to
// 50 dashboards over the JSON bridge protocol: delivered messages per second and end-to-end
// latency at rates the hub holds, and what it reaches when offered far more. The hub's own
// counters (published, delivered, overflow) are the cross-check on the dashboards' counts.

import type { WsFanoutStats } from '../protocols/ws/fanout.ts';
import { run } from '../run.ts';
import { deliveryOf, fleetOf, fmt, load, medianOf, ms, pct, REPEATS, type Row, scenario, withEnv } from './common.ts';
import { cpuMeter, describeCpu } from './cpu-meter.ts';

const PUBLISHERS = 10;
const DASHBOARDS = 50;

interface WsRun {
  sentPerS: number;
  sent: number;
  deliveredPerS: number;
  delivered: number;
  lost: number;
  p50: number;
  p99: number;
  hub: WsFanoutStats;
  duration: number;
}

/** `interval` per publisher; 'max' offers 1 message per ms per publisher. */
async function fanout(interval: string): Promise<Row> {
  const before = load();
  const cpu = cpuMeter();
  const runs: WsRun[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const { result } = await withEnv(
      { FB_BENCH_PUBLISHERS: PUBLISHERS, FB_BENCH_DASHBOARDS: DASHBOARDS, FB_BENCH_INTERVAL: interval },
      () => run({ scenario: scenario('ws-fanout'), workers: 1, write: false }),
    );
    const f = fleetOf(result, 'pub');
    const d = deliveryOf(result, 'pub', 'dash');
    const seconds = f.messages.sent / Math.max(1, f.rates.sentPerS);
    runs.push({
      sentPerS: f.rates.sentPerS,
      sent: f.messages.sent,
      deliveredPerS: d.unique / seconds,
      delivered: d.unique,
      lost: d.lost,
      p50: d.latency.corrected.p50,
      p99: d.latency.corrected.p99,
      hub: result.servers.ws as WsFanoutStats,
      duration: result.run.durationMs / 1000,
    });
  }
  const share = describeCpu(cpu.stop());
  const { median: m, min, max } = medianOf(runs, (r) => r.deliveredPerS);
  const offered = (PUBLISHERS * 1000) / parseFloat(interval);
  const title = `WebSocket hub fan-out, ${PUBLISHERS} publishers → ${DASHBOARDS} dashboards, offered ${fmt(offered)} msg/s`;
  return [
    title,
    `${fmt(m.deliveredPerS)} deliveries/s (median of ${REPEATS}) from ${fmt(m.sentPerS)} msg/s published; e2e p50 ${ms(m.p50)}, p99 ${ms(m.p99)}`,
    [
      `range ${fmt(min)}–${fmt(max)} deliveries/s`,
      `every ${interval} per publisher (64 B, inflight 100) for ${m.duration} s, 1 worker, hub in the main thread`,
      `median run: ${fmt(m.sent)} published × ${DASHBOARDS} = ${fmt(m.sent * DASHBOARDS)} expected, ${fmt(m.delivered)} delivered, ${fmt(m.lost)} lost (${pct(m.lost, m.sent * DASHBOARDS)}); hub counted ${fmt(m.hub.published)} published, ${fmt(m.hub.delivered)} delivered, ${fmt(m.hub.overflow)} overflow`,
      `e2e p99 per run: ${runs.map((r) => ms(r.p99)).join(', ')}`,
      `load avg ${before} before; ${share}`,
    ].join('; '),
  ];
}

export async function wsRows(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const interval of ['50ms', '10ms', '1ms']) rows.push(await fanout(interval));
  return rows;
}
