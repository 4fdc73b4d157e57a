// `fleetbench run --metrics-port`: scraped during a real run, the Prometheus counters are there,
// labelled by fleet, and never ahead of the run's final result.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.ts';
import { freePort, MOSQUITTO_URL } from '../helpers/brokers.ts';
import { runCli, TMP_DIR, writeScenario } from '../helpers/scenario.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

/** `name{labels} value` lines of one metric (without other labels that vary), by their fleet label. */
function series(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`).exec(line);
    const fleet = m ? /fleet="([^"]*)"/.exec(m[1] as string)?.[1] : undefined;
    if (m && fleet !== undefined)
      out.set(`${fleet}${/quantile="([^"]*)"/.exec(m[1] as string)?.[0] ?? ''}`, Number(m[2]));
  }
  return out;
}

describe('live metrics endpoint (real broker)', () => {
  it('serves the progress figures per fleet during the run; the last scrape is at most the final counts', async () => {
    const scenario = writeScenario(
      'metrics-endpoint',
      `export default defineScenario({
        name: 'metrics-endpoint', duration: '4s', drain: '1s',
        targets: { broker: '${MOSQUITTO_URL}' },
        fleets: { meters: { count: 5, protocol: mqtt({ qos: 1, target: 'broker' }), topic: 'fbtest/{run}/m/{id}', send: every('50ms'), payload: bytes(32) } },
        observers: { dash: { count: 1, protocol: mqtt({ qos: 1, target: 'broker' }), receives: ['meters'] } },
      });`,
    );
    const port = await freePort();
    const out = join(TMP_DIR, `metrics-${process.pid}`);
    let last = '';
    let scrapes = 0;
    let done = false;
    const cli = runCli(['run', scenario, '--metrics-port', String(port), '-w', '1', '-q', '--out-exact', out], {
      timeoutMs: 60_000,
    }).finally(() => {
      done = true;
    });
    // Scrape every 200 ms until the run ends (the endpoint closes with it); keep the last answer that had traffic.
    while (!done) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        const text = await res.text();
        expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
        if ((series(text, 'fleetbench_sent_total').get('meters') ?? 0) > 0) {
          last = text;
          scrapes++;
        }
      } catch {
        // Not listening yet, or already closed.
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const { code, stderr } = await cli;
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`live metrics at http://127.0.0.1:${port}/metrics`);
    expect(scrapes).toBeGreaterThan(3);
    const result = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResult;
    const sent = series(last, 'fleetbench_sent_total');
    const received = series(last, 'fleetbench_received_total');
    const meters = result.fleets.meters?.messages;
    const dash = result.fleets.dash?.messages;
    expect(sent.get('meters')).toBeGreaterThan(0);
    expect(sent.get('meters')).toBeLessThanOrEqual(meters?.sent ?? 0);
    expect(received.get('dash')).toBeGreaterThan(0);
    expect(received.get('dash')).toBeLessThanOrEqual(dash?.received ?? 0);
    // A scrape late in the run has seen most of it (the progress lags by one interval).
    expect(sent.get('meters')).toBeGreaterThan(0.5 * (meters?.sent ?? 0));
    expect(series(last, 'fleetbench_connected').get('meters')).toBe(5);
    expect(series(last, 'fleetbench_devices').get('dash')).toBe(1);
    expect(series(last, 'fleetbench_errors_total').get('meters')).toBe(0);
    expect(series(last, 'fleetbench_sent_per_second').get('meters')).toBeGreaterThan(50);
    // Latency quantiles of the last interval: end to end for the meters' messages, in seconds.
    const p99 = Number(
      /fleetbench_latency_seconds\{fleet="meters",kind="fleet",source="e2e",quantile="0.99"\} (\S+)/.exec(last)?.[1],
    );
    expect(p99).toBeGreaterThan(0);
    expect(p99).toBeLessThan(1);
    expect(last).toMatch(/fleetbench_latency_seconds\{fleet="meters",kind="fleet",source="e2e",quantile="0.5"\} /);
    // The Grafana dashboard shipped in deploy/grafana queries only metrics the endpoint serves.
    const dashboard = readFileSync(join(ROOT, 'deploy/grafana/fleetbench-dashboard.json'), 'utf8');
    const queried = new Set(dashboard.match(/fleetbench_[a-z_]+/g));
    expect(queried.size).toBeGreaterThan(8);
    for (const name of queried) expect(last, name).toContain(`# TYPE ${name} `);
    // Closed with the run.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});
