// `fleetbench capacity` against real peers: a private Mosquitto made the bottleneck by a
// bandwidth-limited impairment proxy (so its knee is known in advance), and a generator that
// burns CPU in its payload function (so fleetbench, not the broker, is the limit).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCapacity } from '../../src/capacity/capacity.ts';
import type { CapacityReport } from '../../src/capacity/report.ts';
import { SEARCH_DEFAULTS } from '../../src/capacity/search.ts';
import { parseSlo } from '../../src/capacity/slo.ts';
import type { RunResult } from '../../src/result/types.ts';
import { type PrivateMosquitto, startMosquitto } from '../helpers/brokers.ts';
import { runCli, TMP_DIR, writeScenario } from '../helpers/scenario.ts';

/**
 * The scenario docs/capacity.md shows (its "Example: a throttled broker"), pointed at `url`: the
 * test runs what the page says.
 */
function docsScenario(name: string, url: string): string {
  const page = readFileSync(join(ROOT, 'docs/capacity.md'), 'utf8');
  const block = [...page.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1] as string)
    .find((b) => b.includes(`name: '${name}'`));
  if (!block) throw new Error(`docs/capacity.md: no ts block with name '${name}'`);
  expect(block).toContain(`bandwidth: '${BANDWIDTH_BYTES_PER_S}B/s'`);
  mkdirSync(TMP_DIR, { recursive: true });
  const file = join(TMP_DIR, `${name}-${process.pid}.ts`);
  writeFileSync(file, block.replace("'mqtt://127.0.0.1:1883'", `'${url}'`));
  return file;
}

/** The throttle: the observer's one connection carries every message down at this rate. */
const BANDWIDTH_BYTES_PER_S = 40 * 1024;

const ROOT = new URL('../..', import.meta.url).pathname;
let mosquitto: PrivateMosquitto;
beforeAll(async () => {
  mosquitto = await startMosquitto({ main: 'listener {port} 127.0.0.1\nallow_anonymous true' });
});
afterAll(async () => {
  await mosquitto?.stop();
});

describe('fleetbench capacity (real broker)', () => {
  it('finds the knee of a bandwidth-throttled Mosquitto within one step of the throttle', async () => {
    // 10 publishers and one observer through a proxy of 40 KiB/s each way per connection: the
    // observer's downlink carries every PUBLISH, so it caps delivery at 40 KiB/s over the bytes
    // of one PUBLISH (about 123 B here: ~330 msg/s). Below that the proxy's queue stays short;
    // above it, it grows all through the step: at 7% over, by 140 ms in 2 s. The SLO's 100 ms
    // (not 50) leaves room for the machine's own stalls: near the throttle's rate a 50 ms stall of
    // the proxy's thread takes ρ/(1−ρ) times as long to drain (450 ms at ρ = 0.9), so with 50 ms a
    // busy machine failed steps at 90% of the throttle.
    const scenario = docsScenario('throttled-broker', `mqtt://127.0.0.1:${mosquitto.ports.main}`);
    const search = () =>
      runCapacity({
        scenario,
        workers: 1,
        vary: 'rate',
        slo: parseSlo('p99<100ms,loss==0,errors==0'),
        stepMs: 2000,
        warmupMs: 500,
        maxTimeMs: 120_000,
        search: { ...SEARCH_DEFAULTS, start: 200, maxSteps: 8 },
        outDir: join(TMP_DIR, 'capacity'),
      });
    // A machine so busy that a step stalled twice ends the search generator-bound, rightly (its
    // figures are this machine's): then the search is run once more, and must succeed.
    let { report, folder } = await search();
    if (report.generatorBound?.reason.startsWith('this machine stalled')) {
      console.log(`capacity knee: search generator-bound on a busy machine (${report.summary}); once more`);
      ({ report, folder } = await search());
    }
    // The throttle's capacity from what crossed it: bytes down per message the observer received.
    const first = JSON.parse(readFileSync(join(folder, 'steps', 'step-01', 'results.json'), 'utf8')) as RunResult;
    // The warm-up's messages crossed the proxy too.
    const received = (first.fleets.sink?.messages.received ?? 0) + (first.warmup?.fleets.sink?.received ?? 0);
    const bytesPerMessage = (first.impairment?.broker?.stream?.bytesDown ?? 0) / received;
    expect(bytesPerMessage).toBeGreaterThan(100);
    expect(bytesPerMessage).toBeLessThan(160);
    const expected = BANDWIDTH_BYTES_PER_S / bytesPerMessage;
    console.log(
      `capacity knee: throttle ${expected.toFixed(0)} msg/s (${bytesPerMessage.toFixed(1)} B/msg); ` +
        `steps ${report.steps.map((s) => `${s.offeredPerS}:${s.verdict}:${((s.p99Us ?? 0) / 1000).toFixed(1)}ms`).join(' ')}; ` +
        `sustainable ${report.sustainable?.offeredPerS}, first failing ${report.firstFailing?.offeredPerS}, knee ${report.knee?.offeredPerS}`,
    );
    expect(report.verdict).toBe('found');
    expect(report.generatorBound).toBeNull();
    const good = report.sustainable?.offeredPerS as number;
    const bad = report.firstFailing?.offeredPerS as number;
    // Within one step: the search brackets the throttle's rate between its last good and first
    // bad step (10% apart), give or take the 10% a 2 s step needs to show an overload.
    expect(good).toBeGreaterThanOrEqual(0.8 * expected);
    expect(good).toBeLessThanOrEqual(1.1 * expected);
    expect(bad).toBeGreaterThan(good);
    expect((bad - good) / good).toBeLessThanOrEqual(0.1);
    // At the sustainable maximum the broker delivered what was offered, within the SLO.
    expect(report.sustainable?.achievedPerS).toBeGreaterThan(0.9 * good);
    expect(report.sustainable?.p99Us).toBeLessThan(100_000);
    // The knee: below the first failing step (on a busy machine, steps whose tail was the
    // machine's own are left out of it, so it may sit lower than the maximum).
    expect(report.knee?.offeredPerS).toBeLessThan(bad);
    expect(report.knee?.trustworthy).toBe(true);
    const written = JSON.parse(readFileSync(join(folder, 'capacity.json'), 'utf8')) as CapacityReport;
    expect(written.steps.length).toBe(report.steps.length);
    const html = readFileSync(join(folder, 'capacity.html'), 'utf8');
    expect(html).toContain('Throughput–latency curve');
    expect(html).toContain(report.summary.replaceAll('&', '&amp;').slice(0, 40));
  });

  it('reports a generator that cannot keep its schedule as generator-bound, exit code 4', async () => {
    // One worker whose payload function spins 2 ms per message: 150 msg/s is 30% of its thread,
    // 300 msg/s 60%, 600 msg/s 120%, which it cannot do; the broker idles throughout. QoS 1, so
    // that each step has a latency (publish → PUBACK) for the SLO to judge. On a quiet machine the
    // third step is the first generator-bound one; on a busy one an earlier step may be.
    const scenario = writeScenario(
      'capacity-generator',
      `export default defineScenario({
        name: 'capacity-generator', duration: '2s', drain: '500ms', seed: 3,
        targets: { broker: 'mqtt://127.0.0.1:${mosquitto.ports.main}' },
        fleets: { burners: { count: 10, protocol: mqtt({ qos: 1, target: 'broker' }), topic: 'fbtest/{run}/gen/{id}', send: every('66667us'),
          payload: json(({ seq }) => { const end = performance.now() + 2; while (performance.now() < end); return { seq }; }, { size: 64 }) } },
      });`,
    );
    const out = join(TMP_DIR, 'capacity');
    const cli = await runCli(
      [
        'capacity',
        scenario,
        '--vary',
        'rate',
        '--slo',
        'p99<200ms,errors==0',
        '--step-duration',
        '2s',
        '--warmup',
        '500ms',
        '--max-steps',
        '4',
        '-w',
        '1',
        '-q',
        '-o',
        out,
      ],
      { timeoutMs: 90_000 },
    );
    console.log(`capacity generator: ${cli.stderr.trim()}`);
    const bound = /generator-bound at step (\d) \((late sends|a generator thread was \d+% busy|generator CPU)/.exec(
      cli.stdout,
    );
    expect(bound, cli.stdout).not.toBeNull();
    expect(cli.stdout).toMatch(/fleetbench, not the system under test, was the limit/);
    expect(cli.code).toBe(4);
    const folder = /capacity: (.*)capacity\.json/.exec(cli.stdout)?.[1] as string;
    const report = JSON.parse(readFileSync(join(folder, 'capacity.json'), 'utf8')) as CapacityReport;
    expect(report.verdict).toBe('generator-bound');
    // Every step before it passed (the broker was never blamed), and it was the last.
    const n = Number(bound?.[1]);
    expect(report.generatorBound?.step).toBe(n);
    expect(report.steps.map((s) => s.verdict)).toEqual([...Array(n - 1).fill('pass'), 'generator']);
    expect(report.steps[n - 1]?.offeredPerS).toBe(150 * 2 ** (n - 1));
    expect(report.knee?.trustworthy ?? false).toBe(false);
  });
});
