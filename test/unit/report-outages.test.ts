// The report of a run with outages, without a browser: a "Connections" section with the same
// figures as the console (the devices still down flagged), a chart of devices connected for each
// group that lost connections with the outages marked, and the reconnect latency distribution.
// The same run without outages gets an empty Connections section and no outage chart. The
// browser draws both in test/integration/report-browser.test.ts.
import { describe, expect, it } from 'vitest';
import { describeCode } from '../../src/report/codes.ts';
import { type ReportData, renderReport } from '../../src/report/html.ts';
import { outageMarks } from '../../src/report/timeline-outages.ts';
import { outageResult, quietResult } from '../helpers/outages.ts';

function data(page: string): ReportData {
  const m = /<script type="application\/json" id="fleetbench-data">([\s\S]*?)<\/script>/.exec(page);
  if (!m) throw new Error('no embedded data');
  return JSON.parse(m[1] as string) as ReportData;
}

function sectionOf(page: string, id: string): string {
  const from = page.indexOf(`<section id="${id}">`);
  expect(from, id).toBeGreaterThan(0);
  return page.slice(from, page.indexOf('</section>', from));
}

const text = (html: string): string =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();

describe('report with outages', () => {
  const page = renderReport(outageResult());

  it('has a Connections section: causes, reconnects, latency, downtime, unsent, and the devices still down', () => {
    const s = sectionOf(page, 'connections');
    const row = /<tr data-group="gps" data-unrecovered="1" class="bad">([\s\S]*?)<\/tr>/.exec(s)?.[1] as string;
    expect(row).toBeDefined();
    expect([...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => text(m[1] as string))).toEqual([
      'gps',
      '12 (reset 10, injected_kill 2)',
      '11 / 15',
      '1.00s / 4.50s',
      '34.5',
      '40',
      '✗ 1',
    ]);
    expect(s).not.toContain('data-group="backend"');
    expect(text(s)).toContain('gps: 1 of 20 device(s) lost their connection and were still down at the end');
  });

  it('charts the devices connected of the group that lost connections, with its outages marked', () => {
    const charts = data(page).charts.filter((c) => c.id.startsWith('t-out'));
    expect(charts.map((c) => [c.id, c.title])).toEqual([['t-out0', 'gps: devices connected, outages marked']]);
    const chart = charts[0];
    expect(chart?.series.map((s) => [s.label, s.values])).toEqual([
      ['connected', [20, 20, 20, 8, 8, 14, 14, 19, 19, 19]],
      ['devices', Array(10).fill(20)],
    ]);
    // Lost at t=4; below its 20 from then on (one device never came back).
    expect(chart?.marks).toEqual([
      { kind: 'down', from: 3.5, to: 10.5 },
      { kind: 'loss', from: 3.5, to: 4.5 },
    ]);
    expect(text(sectionOf(page, 'over-time'))).toContain(
      'Outages: connections lost in that second fewer devices connected than before',
    );
    // The page draws the marks from the embedded data.
    expect(page).toContain('fill(u, marks || []');
  });

  it('has the reconnect latency distribution of the group', () => {
    const chart = data(page).charts.find((c) => c.title === 'gps: reconnect (lost → connected again)');
    expect(chart?.kind).toBe('percentile');
    expect(chart?.series[0]?.values.at(-1)).toBeCloseTo(4500, -1);
    expect(text(sectionOf(page, 'latency'))).toContain('reconnect (lost → connected again)');
  });

  it('names the disconnect causes in the run’s words among the codes worth a look', () => {
    const errors = text(sectionOf(page, 'errors'));
    expect(errors).toContain("a scripted fault killed the device's connection");
    expect(errors).toContain('the connection was reset');
  });
});

describe('disconnect causes in words', () => {
  it("are the run's own, apart from a protocol's DISCONNECT packet", () => {
    expect(describeCode('mqtt', 'lost', 'injected_kill')).toEqual({
      meaning: "a scripted fault killed the device's connection",
      notable: true,
    });
    expect(describeCode('amqp', 'lost', 'keepalive_timeout').notable).toBe(true);
    // A server's DISCONNECT reason code stays the protocol's: 0x8E, session taken over.
    expect(describeCode('mqtt', 'disconnect', '142').meaning).toMatch(/0x8E/i);
  });
});

describe('outage marks', () => {
  const point = (t: number, connected: number, disconnects: number) => ({
    t,
    phase: 'run' as const,
    fleets: {
      g: { connected, sent: 0, acked: 0, received: 0, dropped: 0, errors: 0, disconnects, unsent: 0 },
    },
    latency: {},
  });

  it('marks nothing while the fleet is still connecting, and each outage as its own band', () => {
    const timeline = [point(1, 2, 0), point(2, 5, 0), point(3, 3, 2), point(4, 5, 0), point(5, 4, 1), point(6, 4, 0)];
    expect(outageMarks(timeline, 'g', 5, 1)).toEqual([
      { kind: 'down', from: 2.5, to: 3.5 },
      { kind: 'down', from: 4.5, to: 6.5 },
      { kind: 'loss', from: 2.5, to: 3.5 },
      { kind: 'loss', from: 4.5, to: 5.5 },
    ]);
  });
});

describe('report without outages', () => {
  const page = renderReport(quietResult());

  it('says no device lost its connection, and has no outage chart or legend', () => {
    expect(text(sectionOf(page, 'connections'))).toBe('Connections No device lost its connection during the run.');
    expect(data(page).charts.filter((c) => c.id.startsWith('t-out') || c.marks)).toEqual([]);
    expect(page).not.toContain('data-outage=');
    expect(page).not.toContain('reconnect (lost');
  });
});
