// `fleetbench capacity` against real peers: a private Mosquitto made the bottleneck by a
// bandwidth-limited impairment proxy (so its knee is known in advance), and a generator that
// burns CPU in its payload function (so fleetbench, not the broker, is the limit).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCapacity } from '../../src/capacity/capacity.ts';
import type { CapacityReport } from '../../src/capacity/report.ts';
import { SEARCH_DEFAULTS } from '../../src/capacity/search.ts';
import { parseSlo } from '../../src/capacity/slo.ts';
import type { RunResult } from '../../src/result/types.ts';
import { type PrivateMosquitto, startMosquitto } from '../helpers/brokers.ts';
import { runCli, TMP_DIR, writeScenario } from '../helpers/scenario.ts';

/** The throttle: the observer's one connection carries every message down at this rate. */
const BANDWIDTH_BYTES_PER_S = 40 * 1024;

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
    // of one PUBLISH (about 127 B here: ~320 msg/s). Below that the proxy's queue stays short;
    // above it, it grows for the whole step and p99 passes 50 ms within a second.
    const scenario = writeScenario(
      'capacity-knee',
      `export default defineScenario({
        name: 'capacity-knee', duration: '2s', drain: '500ms', seed: 7,
        targets: { broker: 'mqtt://127.0.0.1:${mosquitto.ports.main}' },
        fleets: { sensors: { count: 10, protocol: mqtt({ qos: 0, target: 'broker' }), topic: 'fbtest/{run}/cap/{id}', send: every('100ms'), payload: bytes(100) } },
        observers: { sink: { count: 1, protocol: mqtt({ qos: 0, target: 'broker' }), receives: ['sensors'] } },
        impair: { broker: { bandwidth: '${BANDWIDTH_BYTES_PER_S}B/s' } },
      });`,
    );
    const { report, folder } = await runCapacity({
      scenario,
      workers: 1,
      vary: 'rate',
      slo: parseSlo('p99<50ms,loss==0,errors==0'),
      stepMs: 2000,
      warmupMs: 500,
      maxTimeMs: 120_000,
      search: { ...SEARCH_DEFAULTS, start: 100, maxSteps: 8 },
      outDir: join(TMP_DIR, 'capacity'),
    });
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
    expect(report.sustainable?.p99Us).toBeLessThan(50_000);
    // The knee sits on the flat part, at or below the maximum, and the step past it is over the throttle.
    expect(report.knee?.offeredPerS).toBeLessThanOrEqual(good);
    expect(report.knee?.trustworthy).toBe(true);
    const written = JSON.parse(readFileSync(join(folder, 'capacity.json'), 'utf8')) as CapacityReport;
    expect(written.steps.length).toBe(report.steps.length);
    const html = readFileSync(join(folder, 'capacity.html'), 'utf8');
    expect(html).toContain('Throughput–latency curve');
    expect(html).toContain(report.summary.replaceAll('&', '&amp;').slice(0, 40));
  });

  it('reports a generator that cannot keep its schedule as generator-bound, exit code 4', async () => {
    // One worker whose payload function spins 2 ms per message: 300 msg/s is 60% of its thread,
    // 600 msg/s 120%, which it cannot do; the broker idles throughout. QoS 1, so that the step
    // has a latency (publish → PUBACK) for the SLO to judge.
    const scenario = writeScenario(
      'capacity-generator',
      `export default defineScenario({
        name: 'capacity-generator', duration: '2s', drain: '500ms', seed: 3,
        targets: { broker: 'mqtt://127.0.0.1:${mosquitto.ports.main}' },
        fleets: { burners: { count: 10, protocol: mqtt({ qos: 1, target: 'broker' }), topic: 'fbtest/{run}/gen/{id}', send: every('33333us'),
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
    expect(cli.stderr).toMatch(/step 1: 10 devices, 300\/s offered, .*: pass/);
    expect(cli.stdout).toMatch(/generator-bound at step 2 \((late sends|a generator thread was \d+% busy)/);
    expect(cli.stdout).toMatch(
      /fleetbench, not the system under test, was the limit; highest passing load before it: 300 msg\/s offered/,
    );
    expect(cli.code).toBe(4);
    const folder = /capacity: (.*)capacity\.json/.exec(cli.stdout)?.[1] as string;
    const report = JSON.parse(readFileSync(join(folder, 'capacity.json'), 'utf8')) as CapacityReport;
    expect(report.verdict).toBe('generator-bound');
    expect(report.steps.map((s) => s.verdict)).toEqual(['pass', 'generator']);
    expect(report.generatorBound?.step).toBe(2);
  });
});
