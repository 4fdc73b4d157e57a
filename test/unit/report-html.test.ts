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
import { seededRandom } from '../../src/dsl/schedule.ts';
import { createHistogram, encodeHistogram, type Histogram, recordUs, summarize } from '../../src/metrics/histogram.ts';
import type { PowerReport } from '../../src/power/project.ts';
import { percentileGrid, percentileValues } from '../../src/report/data.ts';
import { type ReportData, renderReport } from '../../src/report/html.ts';
import { SECTIONS } from '../../src/report/markup.ts';
import { readResult } from '../../src/result/read.ts';
import { resultShape } from '../../src/result/schema.ts';
import { check } from '../../src/result/shape.ts';
import {
  type DeliveryResult,
  type FleetResult,
  RESULT_SCHEMA,
  type RunResult,
  type ThresholdOutcome,
  type TimelinePoint,
} from '../../src/result/types.ts';

const random = seededRandom(42);

/** Log-normal latencies in µs around `medianUs`, with a heavy tail. */
function latencyHistogram(count: number, medianUs: number, sigma = 0.8): Histogram {
  const h = createHistogram();
  for (let i = 0; i < count; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    recordUs(h, medianUs * Math.exp(sigma * z));
  }
  return h;
}

function power(session: 'persistent' | 'sleep', mJ: number, days: number): PowerReport {
  return {
    radio: 'cc2538-802154',
    source: 'TI CC2538 datasheet',
    overridden: [],
    link: {
      name: '802.15.4 (6LoWPAN border router)',
      source: 'fixture',
      rttMs: { low: 10, mid: 20, high: 60 },
      upBps: 250_000,
      downBps: 250_000,
      loss: 0,
      coverage: null,
    },
    battery: { label: '2xAA', mAh: 2500, volts: 3 },
    session,
    keepaliveS: session === 'sleep' ? null : 60,
    perReport: {
      intervalS: 30,
      tx: { packets: 2, bytes: 134 },
      rx: { packets: 1, bytes: 44 },
      handshakes: session === 'sleep' ? 1 : 0,
      keepalives: 0,
      roundTrips: session === 'sleep' ? 3 : 1,
      listenS: 0.004,
      radioOnS: 0.01,
    },
    measured: { ackMeanMs: 4, connectMeanMs: 6 },
    energyPerMessagemJ: mJ,
    keepalivemJ: 0,
    floormJ: session === 'sleep' ? mJ * 0.1 : mJ * 0.6,
    breakdownmJ: {
      wake: mJ * 0.1,
      handshake: session === 'sleep' ? mJ * 0.6 : 0,
      tx: mJ * 0.1,
      rx: mJ * 0.05,
      listen: mJ * 0.05,
      keepalive: 0,
      tail: 0,
      idle: session === 'sleep' ? 0 : mJ * 0.6,
      sleep: mJ * 0.1,
    },
    averagePowermW: mJ / 30,
    averageCurrentuA: (mJ / 30 / 3) * 1000,
    batteryLifeDays: days,
    batteryLifeYears: days / 365,
    band: { energyPerMessagemJ: [mJ * 0.95, mJ * 1.1], batteryLifeDays: [days * 0.9, days * 1.05] },
    sensitivity: [{ change: 'round trip ×2', energyPerMessagemJ: mJ * 1.2, batteryLifeDays: days * 0.85 }],
    setupmJ: session === 'sleep' ? null : 1.2,
  };
}

interface FleetSpec {
  kind: FleetResult['kind'];
  protocol: string;
  devices: number;
  /** Messages per device per second (senders). */
  rate?: number;
  ackUs?: number;
  power?: PowerReport;
}

/**
 * A 10-minute run (600 s of sending, one timeline point per second) of nine groups: GPS at
 * 200 msg/s, three battery fleets of different protocols on the same 30 s schedule, an
 * observer, commands to valves, and the embedded servers; HDR histograms of realistic sizes.
 */
function syntheticResult(): RunResult {
  const RUN_S = 600;
  const specs: Record<string, FleetSpec> = {
    gps: { kind: 'fleet', protocol: 'mqtt', devices: 200, rate: 1 },
    temp: {
      kind: 'fleet',
      protocol: 'mqtt',
      devices: 50,
      rate: 1 / 30,
      ackUs: 2500,
      power: power('sleep', 2.93, 3200),
    },
    soil: { kind: 'fleet', protocol: 'coap', devices: 50, rate: 1 / 30, ackUs: 900, power: power('sleep', 0.96, 9770) },
    meters: {
      kind: 'fleet',
      protocol: 'http',
      devices: 50,
      rate: 1 / 30,
      ackUs: 1500,
      power: power('persistent', 55.1, 170),
    },
    valves: { kind: 'fleet', protocol: 'mqtt', devices: 10 },
    backend: { kind: 'observer', protocol: 'mqtt', devices: 1 },
    scada: { kind: 'command', protocol: 'mqtt', devices: 1, rate: 5, ackUs: 3000 },
    'coap-server': { kind: 'server', protocol: 'coap', devices: 1 },
    'http-server': { kind: 'server', protocol: 'http', devices: 1 },
  };
  const pairs: [string, string, DeliveryResult['mode'], string][] = [
    ['gps', 'backend', 'each', 'QoS 0 (at most once)'],
    ['temp', 'backend', 'each', 'QoS 1 (at least once)'],
    ['soil', 'coap-server', 'group', 'NON (non-confirmable: sent once, best effort)'],
    ['meters', 'http-server', 'group', 'HTTP request/response (acknowledged by the response, not retried)'],
    ['scada', 'valves', 'group', 'QoS 2 (exactly once)'],
  ];
  const histograms: Record<string, string> = {};
  const keep = (key: string, h: Histogram): Histogram => {
    histograms[key] = encodeHistogram(h);
    return h;
  };
  const fleets: Record<string, FleetResult> = {};
  const sent = (name: string): number => Math.round((specs[name]?.devices ?? 0) * (specs[name]?.rate ?? 0) * RUN_S);
  for (const [name, s] of Object.entries(specs)) {
    const n = sent(name);
    const received = pairs.filter(([, to]) => to === name).reduce((sum, [from]) => sum + sent(from), 0);
    const latency: FleetResult['latency'] = {};
    if (s.kind !== 'server')
      latency.connect = summarize(
        keep(`${name}|connect`, latencyHistogram(s.devices * (s.power?.session === 'sleep' ? n / s.devices : 1), 4000)),
      );
    if (s.ackUs)
      latency.ack = {
        corrected: summarize(keep(`${name}|ack`, latencyHistogram(n, s.ackUs * 1.2))),
        service: summarize(keep(`${name}|ack_service`, latencyHistogram(n, s.ackUs))),
      };
    if (name === 'scada')
      latency.rtt = {
        corrected: summarize(keep('scada|rtt', latencyHistogram(n, 5000))),
        service: summarize(keep('scada|rtt_service', latencyHistogram(n, 4200))),
      };
    fleets[name] = {
      kind: s.kind,
      protocol: s.protocol,
      target: s.protocol,
      count: s.devices,
      devicesRun: s.devices,
      devices: {
        peakConnected: s.devices,
        connects: s.devices,
        connectFailed: 0,
        disconnects: 0,
        faulted: 0,
        reconnectAttempts: 0,
        reconnects: 0,
        unrecovered: 0,
        downtimeS: 0,
      },
      messages: {
        sent: n,
        acked: s.ackUs ? n : 0,
        late: 3,
        dropped: name === 'gps' ? 12 : 0,
        oversize: 0,
        received,
        unstamped: 0,
        repliesSent: 0,
        repliesReceived: 0,
        unsent: 0,
        inDoubt: 0,
        resent: 0,
      },
      rates: { sentPerS: +(n / RUN_S).toFixed(2), receivedPerS: +(received / RUN_S).toFixed(2) },
      bytes: {
        sent: n * 80,
        received: received * 60,
        sentPerMessage: n ? 80 : null,
        receivedPerMessage: received ? 60 : null,
        sentPerDelivered: n ? 80 : null,
        perDevice: {
          sent: (n * 80) / s.devices,
          received: (received * 60) / s.devices,
          minSent: 0,
          maxSent: 0,
          minReceived: 0,
          maxReceived: 0,
        },
      },
      latency,
      ...(s.power
        ? {
            power: s.power,
            wire: {
              connections: 0,
              tx: {
                handshake: { packets: 0, bytes: 0 },
                data: { packets: n, bytes: n * 80 },
                keepalive: { packets: 0, bytes: 0 },
              },
              rx: {
                handshake: { packets: 0, bytes: 0 },
                data: { packets: n, bytes: n * 4 },
                keepalive: { packets: 0, bytes: 0 },
              },
              waits: { handshake: 0, data: n, keepalive: 0 },
              secure: { full: 0, resumed: 0, tx: { packets: 0, bytes: 0 }, rx: { packets: 0, bytes: 0 }, waits: 0 },
            },
          }
        : {}),
    };
  }
  const delivery: DeliveryResult[] = pairs.map(([from, to, mode, label]) => {
    const n = sent(from);
    const lost = from === 'gps' ? 25 : 0;
    const corrected = keep(`${from}>${to}|e2e`, latencyHistogram(n - lost, 1800));
    const service = keep(`${from}>${to}|e2e_service`, latencyHistogram(n - lost, 1400));
    return {
      from,
      to,
      mode,
      promise: { label, short: label, noLoss: from !== 'gps' && from !== 'soil', noDuplicates: true },
      receivers: mode === 'group' ? (specs[to]?.devices ?? 1) : 1,
      sent: n,
      expected: n,
      received: n - lost,
      unique: n - lost,
      lost,
      duplicated: 0,
      outOfOrder: from === 'gps' ? 4 : 0,
      lossRate: lost / n,
      latency: { corrected: summarize(corrected), service: summarize(service) },
      verdict: { kept: true, violations: [] },
      issues:
        from === 'gps'
          ? [
              {
                stream: 'gps#17',
                receiver: 'backend#0',
                sent: 600,
                received: 575,
                lost: 25,
                duplicated: 0,
                outOfOrder: 4,
              },
            ]
          : [],
      issueCount: from === 'gps' ? 1 : 0,
      unsent: 0,
      inDoubt: 0,
      resent: 0,
    };
  });
  const timeline: TimelinePoint[] = [];
  const phaseAt = (t: number): TimelinePoint['phase'] =>
    t <= 10 ? 'connect' : t <= 10 + RUN_S ? 'run' : t <= 12 + RUN_S ? 'drain' : 'done';
  for (let t = 1; t <= RUN_S + 13; t++) {
    const phase = phaseAt(t);
    const point: TimelinePoint = { t, phase, fleets: {}, latency: {} };
    for (const [name, s] of Object.entries(specs)) {
      const perS = phase === 'run' ? Math.round(s.devices * (s.rate ?? 0) * (0.9 + 0.2 * random())) : 0;
      point.fleets[name] = {
        connected: phase === 'done' ? 0 : s.devices,
        sent: perS,
        acked: s.ackUs ? perS : 0,
        received: 0,
        dropped: 0,
        errors: 0,
        disconnects: 0,
        unsent: 0,
      };
    }
    for (const [from, to] of pairs) {
      const perS = point.fleets[from]?.sent ?? 0;
      const r = point.fleets[to];
      if (r) r.received += perS;
      if (perS > 0) {
        const p50 = Math.round(1500 + 500 * random());
        point.latency[`${from}>${to}|e2e`] = { count: perS, p50, p99: p50 * 8, max: p50 * 12 };
        point.latency[`${from}>${to}|e2e_service`] = { count: perS, p50: p50 - 300, p99: p50 * 6, max: p50 * 10 };
        if (specs[from]?.ackUs) {
          point.latency[`${from}|ack`] = { count: perS, p50, p99: p50 * 5, max: p50 * 9 };
          point.latency[`${from}|ack_service`] = { count: perS, p50: p50 - 200, p99: p50 * 4, max: p50 * 8 };
        }
      }
    }
    timeline.push(point);
  }
  return {
    schema: RESULT_SCHEMA,
    scenario: { name: 'ten-minutes', file: 'scenarios/ten-minutes.ts', hash: '0123456789abcdef' },
    run: {
      id: 'a1b2c3',
      startedAt: '2026-11-23T10:00:00.000Z',
      endedAt: '2026-11-23T10:10:13.000Z',
      elapsedMs: 613_000,
      durationMs: 600_000,
      partial: false,
      partialReason: null,
      seed: 7,
      workers: 2,
      shard: { index: 0, count: 1 },
    },
    environment: { fleetbench: '0.1.0', node: 'v20.19.0', platform: 'linux-x64', cpus: 2, memoryBytes: 8 * 2 ** 30 },
    targets: {
      mqtt: 'mqtt://user:****@broker.example:1883',
      coap: 'embedded coap (coap://127.0.0.1:5683)',
      http: 'embedded http (http://127.0.0.1:8080)',
    },
    fleets,
    delivery,
    warnings: [],
    servers: {},
    errors: [
      {
        group: 'gps',
        code: 'FB_CONNECT_REJECTED:134',
        count: 3,
        message: 'broker refused the connection: bad user name or password (reason code 0x86)',
      },
      { group: 'temp', code: 'mqtt.connection_lost', count: 1, message: 'connection lost: ECONNRESET' },
    ],
    codes: {
      'gps|dropped|window_full': 12,
      'temp|puback|0': 29_990,
      'temp|puback|16': 10,
      'soil|response|2.04': 1000,
      'soil|response|4.04': 2,
      'valves|suback|2': 10,
    },
    timeline,
    histograms,
  };
}

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

  it('shows delivery, bytes, the energy table, the comparison ranked by energy, and errors with reason codes', () => {
    expect(html).toMatch(
      /<tr data-pair="gps&gt;backend" data-kept="true"><td>gps → backend<\/td><td class="num">120,000<\/td><td class="num">120,000<\/td><td class="num">119,975<\/td><td class="num">119,975<\/td><td class="num">25<\/td><td class="num">0<\/td><td class="num">4<\/td>/,
    );
    expect(html).toContain('QoS 0 (at most once)');
    expect(html).toContain('gps → backend: 1 stream/receiver pair(s) with problems');
    // Energy: the console's columns, battery life in its best unit.
    expect(html).toContain('<h3>Energy and battery life</h3>');
    expect(html).toMatch(
      /<tr data-fleet="soil"><td>soil<\/td><td>coap sleep<\/td><td>cc2538-802154<\/td><td class="num">30s<\/td>.*<td class="num">0.960<\/td>.*26.77 y/,
    );
    // The three battery fleets do the same work: ranked by energy per message, CoAP first.
    const ranking = html.slice(html.indexOf('<section id="comparison">'), html.indexOf('<section id="errors">'));
    expect(ranking).toContain('ranked by energy per message');
    expect([...ranking.matchAll(/data-fleet="([^"]+)" data-rank="(\d)"/g)].map((m) => `${m[2]}:${m[1]}`)).toEqual([
      '1:soil',
      '2:temp',
      '3:meters',
    ]);
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
