// Stored deliveries in what a reader and CI see: the console lines under the delivery table, the
// stored_deliveries health check (absent without them, failed by a shortfall, naming the
// receiver), and the threshold metrics counted from the delivery rows.
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { summary } from '../../src/cli/summary.ts';
import { deliveryHtml } from '../../src/report/page.ts';
import type { DeliveryResult } from '../../src/result/types.ts';
import { evaluateHealth, parseExpectations } from '../../src/thresholds/health.ts';
import { type CounterMetric, metricNamed } from '../../src/thresholds/metrics.ts';
import { delivery, fleet, result } from '../helpers/results.ts';

function run(rows: DeliveryResult[]) {
  return result({ fleets: { meters: fleet(), dash: fleet({ kind: 'observer' }) }, delivery: rows });
}
const expectations = () => parseExpectations(new Checker(), undefined, ['meters', 'dash']);
const stored = (rows: DeliveryResult[]) =>
  evaluateHealth(run(rows), expectations()).find((h) => h.name === 'stored_deliveries');
const tally = (name: string, rows: DeliveryResult[], group?: string) =>
  (metricNamed(name) as CounterMetric).tally(run(rows), group);

const late = (got: number): DeliveryResult => ({
  ...delivery('meters', 'dash', 20, 0),
  retained: { expected: 4, got },
});
const away = (got: number): DeliveryResult => ({
  ...delivery('meters', 'dash', 20, 10 - got),
  sessionQueued: { fromMs: 2000, toMs: 6000, sent: 10, expected: 10, got, lost: 10 - got },
});

describe('stored deliveries', () => {
  it('adds no health check to a run without them, and passes one where everything owed arrived', () => {
    expect(stored([delivery('meters', 'dash', 20, 0)])).toBeUndefined();
    expect(stored([late(4), away(10)])).toMatchObject({ passed: true, groups: [] });
  });

  it('fails the health check on a shortfall, retained or queued, naming the receiver and the figures', () => {
    const h = stored([away(7)]);
    expect(h).toMatchObject({ passed: false, groups: ['dash'] });
    expect(h?.message).toContain(
      'meters → dash: queued by the session while offline 2s–6s: sent 10, expected 10, got 7, lost 3',
    );
    expect(stored([late(3)])?.message).toContain(
      'retained → late subscriber: expected 4 (one per topic per receiver), got 3',
    );
  });

  it('prints one line per figure under the delivery table, a shortfall marked', () => {
    const text = summary(run([late(4), away(7)]));
    expect(text).toContain(
      '  meters → dash: retained → late subscriber: expected 4 (one per topic per receiver), got 4\n',
    );
    expect(text).toMatch(
      /meters → dash: queued by the session while offline 2s–6s: sent 10, expected 10, got 7, lost 3 ✗/,
    );
  });

  it('lists them under Delivery in the report, a shortfall marked', () => {
    const html = deliveryHtml(run([late(4), away(7)]));
    expect(html).toContain(
      '<li>meters → dash: retained → late subscriber: expected 4 (one per topic per receiver), got 4</li>',
    );
    expect(html).toContain('<li class="ko">meters → dash: queued by the session while offline 2s–6s:');
  });

  it('counts the metrics over the rows that have them, per expected message', () => {
    expect(tally('retained_delivered', [late(3)])).toEqual({ count: 3, of: 4 });
    expect(tally('session_queued_delivered', [away(7)], 'dash')).toEqual({ count: 7, of: 10 });
    expect(tally('session_queued_lost', [away(7)], 'meters')).toEqual({ count: 3, of: 10 });
    // No row with the figure: nothing measured, so '== 0' cannot pass vacuously.
    expect(tally('session_queued_lost', [late(4)])).toBe('no measurements');
  });
});
