// A run spread over two processes, as on two machines (docs/sharding.md): the same scenario as one
// run, then as shards 0/2 and 1/2 (separate `fleetbench run` processes, one --run-id, one
// --start-at, shard 1 reading shard 0's clock through --clock-ref), then `fleetbench merge`. The
// backend observers land in both shards, so each receives the other shard's sensors: the merged
// counts must equal the single run's exactly, and each shard's own result must stay honest.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeEncoded, summarize } from '../../src/metrics/histogram.ts';
import { HistogramKind, histogramKey, pairKey } from '../../src/metrics/names.ts';
import { findFreeBlock } from '../../src/protocols/free-ports.ts';
import type { RunResult } from '../../src/result/types.ts';
import { runCli, TMP_DIR, writeScenario } from '../helpers/scenario.ts';

const TARGET = 'mqtt=mqtt://127.0.0.1:1883';
const read = (dir: string): RunResult => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResult;

describe('shards merged', () => {
  it('two shard processes merge into the counts of one run', async () => {
    const file = writeScenario(
      'shards-merge',
      `export default defineScenario({
        name: 'shards-merge', duration: '3s', drain: '1s', seed: 7, warmup: '300ms',
        fleets: { sensors: { count: 4, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/shards/{id}', send: every('50ms'), messages: 20, payload: bytes(32) } },
        observers: { backend: { count: 3, protocol: mqtt({ qos: 1 }), receives: ['sensors'] } },
        // sensors.sent fails on each shard (half the run's): a shard's exit code does not judge its slice.
        thresholds: { 'sensors.loss': ['count == 0'], 'sensors.sent': ['count > 40'] },
      });`,
    );
    const out = join(TMP_DIR, `shards-${process.pid}`);
    const common = ['run', file, '--target', TARGET, '--quiet'];
    const began = Date.now();
    const single = await runCli([...common, '--out-exact', join(out, 'single')]);
    expect(single.code, single.stderr).toBe(0);
    // Time enough for both shards to start and connect in parallel: twice the single run's whole
    // wall time (start-up, connect, send, drain). A shard late for it would miss messages.
    const startAt = Math.round(Date.now() + Math.max(8000, (Date.now() - began) * 2));
    const runId = `sh${process.pid}`;
    const clockPort = String(await findFreeBlock('127.0.0.1', 'udp', 1, []));
    const shard = (i: number, extra: string[]) =>
      runCli(
        [
          ...common,
          '--shard',
          `${i}/2`,
          '--run-id',
          runId,
          '--start-at',
          String(startAt),
          '--out-exact',
          join(out, `s${i}`),
          ...extra,
        ],
        { timeoutMs: 90_000 },
      );
    const [s0, s1] = await Promise.all([
      // Shard 0 is given --clock-ref too, as every pod of a Kubernetes Job is: it serves, and ignores it.
      shard(0, ['--clock-port', clockPort, '--clock-ref', `127.0.0.1:${clockPort}`]),
      // Shard 1 in two generator processes (--processes): each reads shard 0's clock and start too.
      shard(1, ['--clock-ref', `127.0.0.1:${clockPort}`, '--processes', '2']),
    ]);
    expect(s0.code, s0.stderr).toBe(0);
    expect(s1.code, s1.stderr).toBe(0);
    const merged = await runCli(['merge', join(out, 's0'), join(out, 's1', 'results.json'), '-o', join(out, 'merged')]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toContain(
      `merged from 2 shards of run ${runId}; cross-shard latency ± 0 µs (one machine, one clock)`,
    );
    for (const f of ['results.json', 'report.html', 'junit.xml']) expect(existsSync(join(out, 'merged', f))).toBe(true);
    // The report says where the result came from, as the console does.
    const page = readFileSync(join(out, 'merged', 'report.html'), 'utf8');
    expect(page).toContain(`merged from 2 shards of run ${runId}; cross-shard latency ± 0 µs (one machine, one clock)`);
    expect(readFileSync(join(out, 's1', 'report.html'), 'utf8')).toContain('in 2 generator processes (shard 1/2)');

    const one = read(join(out, 'single'));
    const r0 = read(join(out, 's0'));
    const r1 = read(join(out, 's1'));
    const m = read(join(out, 'merged'));

    // The shards: one run id, on time, shard 1 on shard 0's clock (same machine: offset 0, exact).
    expect([r0.run.id, r1.run.id, m.run.id]).toEqual([runId, runId, runId]);
    expect(r0.run.shard).toEqual({ index: 0, count: 2 });
    expect(r0.run.startAt).toEqual({ requested: new Date(startAt).toISOString(), lateMs: 0 });
    expect(r1.run.startAt?.lateMs).toBe(0);
    expect(r0.run.clock).toMatchObject({ reference: 'self', method: 'reference', offsetUs: 0 });
    expect(r1.run.clock).toMatchObject({
      reference: `127.0.0.1:${clockPort}`,
      method: 'same host',
      offsetUs: 0,
      uncertaintyUs: 0,
    });
    expect(r1.run.clock?.samples).toBeGreaterThan(0);
    expect(r1.run.processes).toBe(2);
    // Each shard judges its own sensors only: backend devices 0 and 2 run in shard 0, 1 in shard 1,
    // each shard runs two sensors (20 messages each); what came from the other shard is apart.
    // The warm-up's first messages are counted apart (result.warmup), the rest in the rows.
    const row = (r: RunResult) => r.delivery.find((d) => d.from === 'sensors' && d.to === 'backend');
    const sent0 = r0.fleets.sensors?.messages.sent ?? 0;
    const sent1 = r1.fleets.sensors?.messages.sent ?? 0;
    expect(sent0 + (r0.warmup?.sent ?? 0)).toBe(40);
    expect(sent1 + (r1.warmup?.sent ?? 0)).toBe(40);
    expect(row(r0)).toMatchObject({ receivers: 2, sent: sent0, expected: 2 * sent0, unique: 2 * sent0, lost: 0 });
    expect(row(r1)).toMatchObject({ receivers: 1, sent: sent1, expected: sent1, unique: sent1, lost: 0 });
    expect(row(r0)?.foreign).toBe(2 * sent1);
    expect(row(r1)?.foreign).toBe(sent0);
    expect(r0.warmup?.delivery[0]).toMatchObject({ lost: 0, duplicated: 0, expected: 2 * (r0.warmup?.sent ?? 0) });
    // Each shard's slice fails sensors.sent > 40; the shards still exited 0 (above), and said why.
    expect(r0.thresholds?.find((t) => t.key === 'sensors.sent')?.passed).toBe(false);
    expect(s0.stdout).toContain('this slice fails 1 threshold(s)');
    expect(s0.stdout).toContain("fleetbench merge gives the run's verdict");
    expect(r0.merge?.delivery.length).toBeGreaterThan(0);

    // The merge equals the single run: counts exactly.
    // A send due exactly at the warm-up's end (sensor 0's seventh, at 300 ms) falls on either side
    // of it by the start time's fraction of a microsecond, in any run: the comparison adds the
    // warm-up's counts to the headline's (every message, exactly); the merged split is checked below.
    const counts = (r: RunResult) => ({
      fleets: Object.fromEntries(
        Object.entries(r.fleets).map(([g, f]) => {
          const w = r.warmup?.fleets[g];
          return [
            g,
            {
              devicesRun: f.devicesRun,
              peakConnected: f.devices.peakConnected,
              connects: f.devices.connects,
              sent: f.messages.sent + (w?.sent ?? 0),
              acked: f.messages.acked + (w?.acked ?? 0),
              received: f.messages.received + (w?.received ?? 0),
              unstamped: f.messages.unstamped,
            },
          ];
        }),
      ),
      delivery: r.delivery.map((d) => {
        const w = r.warmup?.delivery.find((x) => x.from === d.from && x.to === d.to);
        return {
          from: d.from,
          to: d.to,
          receivers: d.receivers,
          sent: d.sent + (w?.sent ?? 0),
          expected: d.expected + (w?.expected ?? 0),
          received: d.received + (w?.received ?? 0),
          unique: d.unique + (w?.unique ?? 0),
          lost: d.lost + (w?.lost ?? 0),
          duplicated: d.duplicated + (w?.duplicated ?? 0),
          foreign: d.foreign,
          issueCount: d.issueCount,
          kept: d.verdict.kept,
        };
      }),
      errors: r.errors,
      thresholds: r.thresholds?.map((t) => [t.key, t.passed]),
    });
    expect(counts(m)).toEqual(counts(one));
    expect(counts(m).delivery[0]).toMatchObject({ receivers: 3, sent: 80, expected: 240, unique: 240, lost: 0 });
    expect(m.warmup?.delivery[0]).toMatchObject({ expected: 3 * (m.warmup?.sent ?? 0), lost: 0, duplicated: 0 });
    const measured = m.fleets.sensors?.messages.sent ?? 0;
    expect(measured + (m.warmup?.sent ?? 0)).toBe(80);
    expect(m.delivery[0]).toMatchObject({
      receivers: 3,
      sent: measured,
      expected: 3 * measured,
      unique: 3 * measured,
      lost: 0,
    });
    expect(m.thresholds?.every((t) => t.passed)).toBe(true);
    expect(m.fleets.sensors?.devices.peakConnected).toBe(4);
    // Latency: the merged histogram is the exact sum of the shards' (one count per delivery), so its
    // percentiles are those of every delivery together, within HDR precision.
    const e2e = histogramKey(pairKey('sensors', 'backend'), HistogramKind.e2e);
    const union = summarize(mergeEncoded([r0.histograms[e2e] as string, r1.histograms[e2e] as string]));
    const latency = m.delivery[0]?.latency.corrected;
    expect(latency?.count).toBe(3 * measured);
    const warmCount = (r: RunResult) => r.warmup?.delivery[0]?.latency.corrected.count ?? 0;
    expect((latency?.count ?? 0) + warmCount(m)).toBe((one.delivery[0]?.latency.corrected.count ?? 0) + warmCount(one));
    expect(latency?.p50).toBe(union.p50);
    expect(latency?.p99).toBe(union.p99);
    expect(latency?.max).toBe(union.max);
    // Timeline counts add up exactly too (buckets aligned on the send phase's start).
    const sent = (r: RunResult) => r.timeline.reduce((n, p) => n + (p.fleets.sensors?.sent ?? 0), 0);
    expect(sent(m)).toBe(80);

    // Results that are not one run's shards are refused, naming the file.
    const twice = await runCli(['merge', join(out, 's0'), join(out, 's0'), '-o', join(out, 'bad')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain(
      `${join(out, 's0', 'results.json')} and ${join(out, 's0', 'results.json')} are both shard 0/2`,
    );
    const mixed = await runCli(['merge', join(out, 's0'), join(out, 'single'), '-o', join(out, 'bad')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain(`${join(out, 'single', 'results.json')} is not a shard's result`);
  }, 150_000);
});
