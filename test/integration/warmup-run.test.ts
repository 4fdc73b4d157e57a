// A run with a warm-up window against the embedded broker: the warm-up's messages are counted
// apart (result.warmup), the headline figures hold only the rest, and together they are every
// message sent, each delivered once and none lost (docs/scenarios.md#warm-up).
import { describe, expect, it } from 'vitest';
import { formatUs } from '../../src/base/format.ts';
import { run } from '../../src/index.ts';
import { overTimeHtml } from '../../src/report/page.ts';
import { timelineCharts } from '../../src/report/timeline.ts';
import { warmupLines } from '../../src/result/warmup-lines.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';

describe('warmup', () => {
  it('keeps the warm-up out of the headline figures and accounts for every message', async () => {
    const file = writeScenario(
      'warmup-run',
      `export default defineScenario({
        name: 'warmup-run', duration: '1500ms', warmup: '400ms', drain: '${DRAIN}',
        fleets: { gps: { count: 4, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/warm/{id}', send: every('20ms'), messages: 50, payload: bytes(32) } },
        observers: {
          backend: { protocol: mqtt({ qos: 1 }), receives: ['gps'] },
          // Joins after the warm-up: it expects none of the warm-up's messages.
          late: { protocol: mqtt({ qos: 1 }), receives: ['gps'], startTime: '700ms' },
        },
        thresholds: { 'gps.sent': ['count < 200'] },
      });`,
    );
    const { result: r } = await run({ scenario: file, workers: 2, write: false });
    expect(r.run.partial).toBe(false);
    const warm = r.warmup;
    if (!warm) throw new Error('no warmup block');
    const measured = r.fleets.gps?.messages.sent ?? 0;
    expect(warm.durationMs).toBe(400);
    expect(warm.included).toBe(false);
    expect(warm.toS - warm.fromS).toBeCloseTo(0.4);
    // Both sides of the boundary saw messages, and together they are all 4 × 50.
    expect(warm.sent).toBeGreaterThan(0);
    expect(measured).toBeGreaterThan(0);
    expect(warm.sent + measured).toBe(200);
    expect(warm.fleets.gps?.sent).toBe(warm.sent);
    expect(warm.fleets.gps?.acked).toBe(warm.sent);
    expect(r.fleets.gps?.messages.acked).toBe(measured);
    // Delivery: the headline row holds only the measured messages, the warm-up's row the rest.
    const d = r.delivery.find((x) => x.from === 'gps' && x.to === 'backend');
    expect(d).toMatchObject({ sent: measured, expected: measured, unique: measured, lost: 0, duplicated: 0 });
    // Per stream too: a stream's warm-up messages are not missing from its measured row.
    expect(d?.issueCount).toBe(0);
    const late = r.delivery.find((x) => x.from === 'gps' && x.to === 'late');
    expect(late?.expected).toBeGreaterThan(0);
    expect(late?.expected).toBeLessThan(measured);
    expect(late).toMatchObject({ lost: 0, duplicated: 0, issueCount: 0 });
    expect(d?.latency.corrected.count).toBe(measured);
    expect(warm.delivery).toEqual([
      expect.objectContaining({
        from: 'gps',
        to: 'backend',
        sent: warm.sent,
        unique: warm.sent,
        lost: 0,
        duplicated: 0,
      }),
      expect.objectContaining({ from: 'gps', to: 'late', sent: warm.sent, expected: 0, unique: 0, lost: 0 }),
    ]);
    expect(warm.delivery[0]?.latency.corrected.count).toBe(warm.sent);
    expect(r.fleets.backend?.messages.received).toBe(measured);
    expect(warm.fleets.backend?.received).toBe(warm.sent);
    // The timeline shows the load as offered, warm-up included.
    const sentOnTimeline = r.timeline.reduce((n, p) => n + (p.fleets.gps?.sent ?? 0), 0);
    expect(sentOnTimeline).toBe(200);
    // Thresholds judge the headline figures: fewer than all 200 sends.
    expect(r.thresholds?.[0]).toMatchObject({ passed: true });
    // The report shades the window on the charts over time; the console says what it measured.
    const charts = timelineCharts(r);
    expect(charts[0]?.bands).toContainEqual({ phase: 'warmup', from: warm.fromS - 0.5, to: warm.toS - 0.5 });
    expect(overTimeHtml(r, charts)).toContain('data-phase="warmup">warm-up, first 400ms (kept out of the figures)');
    expect(warmupLines(r)).toEqual([
      `warm-up: the first 400ms of the send phase, kept out of the figures below: ${warm.sent} sent, ${warm.sent} acked, ${warm.sent} received, 0 lost, e2e p99 ${formatUs(warm.delivery[0]?.latency.corrected.p99 ?? 0)} (gps → backend)`,
    ]);
  });
});
