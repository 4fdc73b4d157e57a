// `npm run bench -- --only=http`: HTTP/1.1 POST rates against the embedded server, with one
// persistent connection per device (RFC 9112 §9.3) and with a new connection per request
// (`Connection: close`, §9.6). The server's own count of bodies received is the cross-check
// on what the devices counted as answered.

import type { HttpStats } from '../protocols/http/stats.ts';
import { run } from '../run.ts';
import { fleetOf, fmt, load, medianOf, ms, REPEATS, type Row, scenario, withEnv } from './common.ts';
import { cpuMeter, describeCpu } from './cpu-meter.ts';

const DEVICES = 100;

interface HttpRun {
  answeredPerS: number;
  served: number;
  answered: number;
  sent: number;
  stats: HttpStats;
  /** Request sent → complete response, µs. */
  p50: number;
  p99: number;
  failures: number;
  duration: number;
}

async function httpMax(keepAlive: boolean): Promise<Row> {
  const before = load();
  const cpu = cpuMeter();
  const runs: HttpRun[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const { result } = await withEnv(
      { FB_BENCH_HTTP_KEEPALIVE: String(keepAlive), FB_BENCH_DEVICES: DEVICES, FB_BENCH_INTERVAL: '1ms' },
      () => run({ scenario: scenario('http-max'), workers: 1, write: false }),
    );
    const f = fleetOf(result, 'load');
    const stats = f.http;
    if (!stats) throw new Error('bench http: the load fleet has no http block in its result');
    const seconds = f.messages.sent / Math.max(1, f.rates.sentPerS);
    const service = f.latency.ack?.service;
    runs.push({
      answeredPerS: f.messages.acked / seconds,
      answered: f.messages.acked,
      served: fleetOf(result, 'http-server').messages.received,
      sent: f.messages.sent,
      stats,
      p50: service?.p50 ?? 0,
      p99: service?.p99 ?? 0,
      failures: stats.timeouts + stats.connectionFailures + stats.malformed,
      duration: result.run.durationMs / 1000,
    });
  }
  const share = describeCpu(cpu.stop());
  const { median: m, min, max } = medianOf(runs, (r) => r.answeredPerS);
  const s = m.stats;
  return [
    `HTTP POST, ${keepAlive ? 'keep-alive (1 connection per device)' : 'a connection per request'}, embedded server, 1 worker`,
    `${fmt(m.answeredPerS)} requests/s answered (median of ${REPEATS}); ${s.bytesPerRequest} B/request, ${s.bytesPerResponse} B/response`,
    [
      `range ${fmt(min)}–${fmt(max)}/s`,
      `offered ${fmt(DEVICES * 1000)}/s by ${DEVICES} devices (64-byte body, inflight 1) for ${m.duration} s, 1 worker`,
      `median run: ${fmt(m.sent)} sent, ${fmt(m.answered)} answered, the server received ${fmt(m.served)}; ${fmt(s.connections)} TCP connections; ${m.failures} failed; request → response p50 ${ms(m.p50)}, p99 ${ms(m.p99)}`,
      `load avg ${before} before; ${share}`,
    ].join('; '),
  ];
}

export async function httpRows(): Promise<Row[]> {
  return [await httpMax(true), await httpMax(false)];
}
