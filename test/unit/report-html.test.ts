// The HTML report's structure, without a browser: one self-contained file (uPlot inlined, no
// link to anything), the embedded JSON intact and safely escaped, the sections in order, the
// verdict from the thresholds, percentile series that are the histogram's own percentiles, and
// a 10-minute run of several fleets well under 2 MB. The browser checks are in
// test/integration/report-browser.test.ts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FleetbenchError } from '../../src/base/errors.ts';
import { reportHandler } from '../../src/cli/report-command.ts';
import { createHistogram, recordUs } from '../../src/metrics/histogram.ts';
import { percentileGrid, percentileValues } from '../../src/report/data.ts';
import { type ReportData, renderReport } from '../../src/report/html.ts';
import { SECTIONS } from '../../src/report/markup.ts';
import { readResult } from '../../src/result/read.ts';
import { resultShape } from '../../src/result/schema.ts';
import { check } from '../../src/result/shape.ts';
import { RESULT_SCHEMA, type RunResult, type ThresholdOutcome } from '../../src/result/types.ts';
import { syntheticResult } from './report-fixture.ts';

const result = syntheticResult();
const html = renderReport(result);

function dataOf(page: string): ReportData {
  const m = /<script type="application\/json" id="fleetbench-data">([\s\S]*?)<\/script>/.exec(page);
  if (!m) throw new Error('no embedded data');
  return JSON.parse(m[1] as string) as ReportData;
}

function outcome(key: string, passed: boolean): ThresholdOutcome {
  return {
    key,
    expression: 'p(99) < 50ms',
    group: 'gps',
    metric: 'e2e_latency',
    passed,
    actual: 41_050,
    actualText: '41.05ms',
    limitText: '50ms',
    abortOnFail: false,
    message: passed ? '' : 'p(99) was 41.05ms, over 50ms',
  };
}

function withThresholds(r: RunResult, thresholds: ThresholdOutcome[]): RunResult {
  return { ...r, thresholds } as RunResult;
}

describe('renderReport: one self-contained file', () => {
  it('inlines uPlot and links nothing: no external script, stylesheet, image, font or fetch', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/src\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/href\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<(img|iframe|object|embed)\b/i);
    // uPlot's IIFE build (it defines the global) and its stylesheet are in the page itself.
    const uplot = readFileSync(new URL('../../node_modules/uplot/dist/uPlot.iife.min.js', import.meta.url), 'utf8');
    expect(html).toContain(uplot.slice(uplot.indexOf('var uPlot='), uplot.indexOf('var uPlot=') + 2000));
    expect(html).toContain('.uplot {font-family');
    // The page may not reach the network even if something tried.
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  });

  it('embeds the chart data as JSON that parses, one chart per .chart container, every series as long as its x axis', () => {
    const data = dataOf(html);
    expect(data.schema).toBe('fleetbench.report-data/1');
    expect(data.result.scenario.name).toBe('ten-minutes');
    expect(data.result).not.toHaveProperty('histograms');
    const containers = [...html.matchAll(/<div class="chart" id="chart-([^"]+)"/g)].map((m) => m[1]);
    expect(containers.length).toBeGreaterThan(10);
    expect(data.charts.map((c) => c.id).sort()).toEqual([...containers].sort());
    for (const c of data.charts) {
      expect(c.series.length).toBeGreaterThan(0);
      for (const s of c.series) expect(s.values.length).toBe(c.x.length);
    }
    // Connect, ack, e2e and round trip, each with both series where a service time exists.
    const titles = data.charts.map((c) => c.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'gps: connect',
        'gps: end to end → backend',
        'temp: publish → ack',
        'soil: request → response',
        'scada: command round trip',
      ]),
    );
    const rtt = data.charts.find((c) => c.title === 'scada: command round trip');
    expect(rtt?.series.map((s) => s.label)).toEqual([
      'corrected (from intended send)',
      'service time (from actual send)',
    ]);
    // Over time: the 613 timeline points, with the phases as bands.
    const all = data.charts.find((c) => c.id === 't-all');
    expect(all?.x.length).toBe(613);
    expect(all?.bands?.map((b) => b.phase)).toEqual(['connect', 'run', 'drain', 'done']);
    // 200 GPS devices at 1/s: the summed send rate in the run phase is about 200 + 3 × 50/30 + 5.
    const mid = all?.series[0]?.values[300] as number;
    expect(mid).toBeGreaterThan(180);
    expect(mid).toBeLessThan(240);
  });

  it('escapes what it embeds: a name with </script> or U+2028 neither ends the data nor breaks the script', () => {
    const evil = '</script><script>alert(1)</script>\u2028\u2029<!--';
    const r = structuredClone(result);
    r.errors = [{ group: 'gps', code: 'x', count: 1, message: evil }];
    r.warnings = [evil];
    const page = renderReport(r);
    // Exactly three script elements: the data, uPlot and the page's own.
    expect(page.match(/<script\b/gi)?.length).toBe(3);
    expect(page.match(/<\/script>/gi)?.length).toBe(3);
    const raw = /id="fleetbench-data">([\s\S]*?)<\/script>/.exec(page)?.[1] as string;
    expect(raw).toContain('\\u003c/script>');
    expect(raw).not.toMatch(/[<\u2028\u2029]/);
    expect(dataOf(page).result.warnings).toEqual([evil]);
    expect(page).toContain('&lt;/script&gt;&lt;script&gt;alert(1)');
  });

  it('is under 2 MB for a 10-minute run of nine groups', () => {
    const size = Buffer.byteLength(html);
    const raw = Buffer.byteLength(JSON.stringify(result));
    console.log(
      `synthetic 10-minute report: ${(size / 1024).toFixed(0)} KiB (results.json ${(raw / 1024).toFixed(0)} KiB, ${Object.keys(result.histograms).length} histograms, ${result.timeline.length} timeline points)`,
    );
    expect(size).toBeLessThan(2 * 1024 * 1024);
    // The raw encodings are not embedded.
    const anyEncoding = Object.values(result.histograms)[0] as string;
    expect(html).not.toContain(anyEncoding.slice(0, 40));
  });

  it('has the sections in the order of the issue', () => {
    const at = SECTIONS.map(([id, title]) => {
      const i = html.indexOf(`<section id="${id}"><h2>${title}</h2>`);
      expect(i, `section ${id}`).toBeGreaterThan(0);
      return i;
    });
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(SECTIONS.map(([, t]) => t)).toEqual([
      'Verdict',
      'Power',
      'Run',
      'Latency distributions',
      'Over time',
      'Delivery',
      'Connections',
      'Bytes and energy',
      'Protocol comparison',
      'Protocol details',
      'Errors and protocol codes',
    ]);
  });
});

describe('renderReport: what it says', () => {
  it('gives the verdict from the thresholds: none, pass, or fail when any failed, with one row per threshold', () => {
    expect(html).toMatch(
      /<div id="verdict" class="verdict none" data-verdict="none" data-partial="false">.*NO THRESHOLDS/,
    );
    const pass = renderReport(
      withThresholds(result, [outcome('gps.e2e_latency', true), outcome('connect_errors', true)]),
    );
    expect(pass).toContain('data-verdict="pass"');
    expect(pass.match(/data-passed="true"/g)?.length).toBe(2);
    const fail = renderReport(
      withThresholds(result, [outcome('gps.e2e_latency', true), outcome('temp.ack_latency', false)]),
    );
    expect(fail).toContain('data-verdict="fail"');
    expect(fail).toMatch(/<tr class="threshold bad" data-key="temp.ack_latency" data-passed="false">.*41.05ms.*50ms/);
    expect(fail).toContain('1 of 2 threshold(s) failed.');
    const partial = renderReport({
      ...result,
      run: { ...result.run, partial: true, partialReason: 'interrupted (SIGINT)' },
    });
    expect(partial).toContain('data-partial="true"');
    expect(partial).toContain('PARTIAL run: interrupted (SIGINT)');
  });

  it('plots the histogram’s own percentiles against 1/(1−p), ending at the max', () => {
    const h = createHistogram();
    for (let v = 1; v <= 10_000; v++) recordUs(h, v * 100); // 0.1 ms … 1 s, uniform
    const x = percentileGrid([h.totalCount]);
    expect(x[0]).toBe(1);
    expect(x[x.length - 1]).toBe(10_000);
    const y = percentileValues(h, x);
    const at = (xv: number): number | null => y[x.indexOf(xv)] ?? null;
    expect(at(10)).toBeCloseTo(h.getValueAtPercentile(90) / 1000, 3); // 90%
    expect(at(100)).toBeCloseTo(h.getValueAtPercentile(99) / 1000, 3); // 99%
    expect(at(1000)).toBeCloseTo(h.getValueAtPercentile(99.9) / 1000, 3);
    expect(Math.abs((at(10) as number) - 900)).toBeLessThan(1);
    expect(y[y.length - 1]).toBe(h.maxValue / 1000);
    // Monotonic, and nothing beyond a smaller histogram's count.
    for (let i = 1; i < y.length; i++) expect(y[i] as number).toBeGreaterThanOrEqual(y[i - 1] as number);
    const small = createHistogram();
    for (let v = 1; v <= 50; v++) recordUs(small, v * 1000);
    expect(percentileValues(small, x).filter((v) => v !== null).length).toBe(x.filter((xv) => xv <= 50).length);
  });

  it('leaves out a damaged histogram instead of failing the report', () => {
    const r = structuredClone(result);
    r.histograms['gps|connect'] = 'not-a-histogram';
    const titles = dataOf(renderReport(r)).charts.map((c) => c.title);
    expect(titles).not.toContain('gps: connect');
    expect(titles).toContain('gps: end to end → backend');
  });

  it('shows delivery, bytes, the comparison, and errors with reason codes', () => {
    expect(html).toMatch(
      /<tr data-pair="gps&gt;backend" data-kept="true"><td>gps → backend<\/td><td class="num">120,000<\/td><td class="num">120,000<\/td><td class="num">119,975<\/td><td class="num">119,975<\/td><td class="num">25<\/td><td class="num">0<\/td><td class="num">4<\/td>/,
    );
    expect(html).toContain('QoS 0 (at most once)');
    expect(html).toContain('gps → backend: 1 stream/receiver pair(s) with problems');
    // Energy is in the Power section; the comparison keeps the latency ranking of the others.
    const bytesEnergy = html.slice(
      html.indexOf('<section id="bytes-energy">'),
      html.indexOf('<section id="comparison">'),
    );
    expect(bytesEnergy).toContain('see <a href="#power">Power</a>');
    const comparison = html.slice(html.indexOf('<section id="comparison">'), html.indexOf('<section id="protocols">'));
    expect(comparison).toContain('ranked by battery life under <a href="#power">Power</a>');
    expect(comparison).not.toContain('data-rank');
    // Errors split into code and the protocol's reason code; notable protocol codes in words.
    const errors = html.slice(html.indexOf('<section id="errors">'));
    expect(errors).toMatch(
      /<code>FB_CONNECT_REJECTED<\/code><\/td><td><code>134 \(0x86\)<\/code><\/td><td class="num">3<\/td><td>broker refused the connection: bad user name or password/,
    );
    expect(errors).toContain('in-flight window full');
    expect(errors).toContain('no matching subscribers (0x10)');
    expect(errors).toContain('CoAP Not Found');
    const notable = errors.slice(0, errors.indexOf('<details>'));
    expect(notable).not.toContain('granted QoS 2');
    expect(notable).not.toContain('CoAP Changed');
  });
});

describe('fleetbench report: reading a saved result', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-report-'));

  it('refuses a missing file, non-JSON and a JSON file that is not a fleetbench result, naming the file', () => {
    const cases: [string, string | undefined, RegExp][] = [
      [join(dir, 'missing.json'), undefined, /missing\.json: cannot read the results file: no such file/],
      [join(dir, 'text.json'), 'not json', /text\.json: not a fleetbench result: not valid JSON/],
      [
        join(dir, 'package.json'),
        '{"name":"x"}',
        /package\.json: not a fleetbench result: no "schema" field, expected "fleetbench.result\/1"/,
      ],
      [join(dir, 'other.json'), '{"schema":"other/2"}', /other\.json: not a fleetbench result: schema "other\/2"/],
      [
        join(dir, 'half.json'),
        `{"schema":"${RESULT_SCHEMA}","run":{}}`,
        /^\S+half\.json: scenario: expected an object, got nothing\n\S+half\.json: run\.id: expected a string, got nothing\n/,
      ],
    ];
    for (const [file, content, message] of cases) {
      if (content !== undefined) writeFileSync(file, content);
      let error: unknown;
      try {
        readResult(file);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(FleetbenchError);
      expect((error as FleetbenchError).code).toBe('FB_RESULT_INVALID');
      expect((error as Error).message).toMatch(message);
    }
  });

  it('writes report.html next to the results file by default, or where --out says', async () => {
    const file = join(dir, 'results.json');
    writeFileSync(file, JSON.stringify(result));
    expect(await reportHandler({ results: file, out: undefined })).toBe(0);
    const page = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(page).toBe(html);
    const out = join(dir, 'sub', 'r.html');
    expect(await reportHandler({ results: file, out })).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(html);
  });
});

describe('the result schema', () => {
  it('accepts the synthetic result the report tests render', () => {
    expect(check(resultShape, JSON.parse(JSON.stringify(syntheticResult())))).toEqual([]);
  });
});
