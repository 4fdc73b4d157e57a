// The report's first sections, in reading order: header, verdict, run, latency distributions,
// over time, delivery (energy.ts and protocols.ts hold the rest). Tables are rendered here (they
// read and print without the script); charts are empty `.chart` containers the in-page script
// fills from the embedded data.

import { formatDurationMs } from '../base/format.ts';
import type { LatencySummary } from '../metrics/histogram.ts';
import { impairmentLines } from '../result/impairment.ts';
import { shardLines } from '../result/shard-lines.ts';
import { storedLines } from '../result/stored.ts';
import type { HealthCheck, RunResult, ThresholdOutcome } from '../result/types.ts';
import { unreadLines } from '../result/unread.ts';
import type { ChartSpec, FleetLatency } from './data.ts';
import { empty, esc, fixed, int, mark, type Row, SECTIONS, section, table, us, when } from './markup.ts';

export type Verdict = 'pass' | 'fail' | 'none';

/** FAIL when a health check or any threshold failed, PASS when all held, none without thresholds. */
export function verdictOf(thresholds: readonly ThresholdOutcome[], health: readonly HealthCheck[] = []): Verdict {
  if (health.some((h) => !h.passed)) return 'fail';
  if (thresholds.length === 0) return 'none';
  return thresholds.every((t) => t.passed) ? 'pass' : 'fail';
}

export function thresholdsOf(result: RunResult): ThresholdOutcome[] {
  const t = (result as { thresholds?: ThresholdOutcome[] }).thresholds;
  return Array.isArray(t) ? t : [];
}

export function headerHtml(result: RunResult): string {
  const r = result.run;
  const partial = r.partial ? ` <span class="tag partial" title="${esc(r.partialReason ?? '')}">PARTIAL</span>` : '';
  const power = Object.values(result.fleets).some((f) => f.power !== undefined || f.wire !== undefined);
  const nav = SECTIONS.filter(([id]) => power || id !== 'power')
    .map(([id, title]) => `<a href="#${id}">${esc(title)}</a>`)
    .join('');
  return `<header><h1>fleetbench report: ${esc(result.scenario.name)}${partial}</h1>
<div class="sub">${when(r.startedAt)} · ${esc(formatDurationMs(r.elapsedMs))} · run ${esc(r.id)} · ${esc(result.scenario.file)}</div></header>
<nav class="noprint">${nav}</nav>`;
}

export function verdictHtml(result: RunResult): string {
  const thresholds = thresholdsOf(result);
  const health = Array.isArray(result.health) ? result.health : [];
  const sick = health.filter((h) => !h.passed);
  const verdict = verdictOf(thresholds, health);
  const failed = thresholds.filter((t) => !t.passed).length;
  const badge = verdict === 'none' ? 'NO THRESHOLDS' : verdict.toUpperCase();
  const words = [
    sick.length > 0 ? `${sick.length} of ${health.length} health check(s) failed.` : '',
    thresholds.length === 0
      ? 'The scenario declares no thresholds.'
      : failed === 0
        ? `All ${thresholds.length} threshold(s) held.`
        : `${failed} of ${thresholds.length} threshold(s) failed.`,
    sick.length === 0 && health.length > 0 ? `Health: all ${health.length} checks passed.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const partial = result.run.partial
    ? `<span class="tag partial">PARTIAL run${result.run.partialReason ? `: ${esc(result.run.partialReason)}` : ''}</span>`
    : '';
  const broken = result.delivery.filter((d) => !d.verdict.kept).length;
  const delivery =
    result.delivery.length === 0
      ? ''
      : broken === 0
        ? `<span class="muted">Delivery: all ${result.delivery.length} promise(s) kept.</span>`
        : `<span class="ko">Delivery: ${broken} of ${result.delivery.length} promise(s) broken.</span>`;
  let out = `<div id="verdict" class="verdict ${verdict}" data-verdict="${verdict}" data-partial="${result.run.partial === true}"><span class="badge">${badge}</span><span>${esc(words)}</span>${partial}${delivery}</div>`;
  if (sick.length > 0)
    out += `<ul class="health">${sick.map((h) => `<li class="ko" data-health="${esc(h.name)}"><code>${esc(h.name)}</code>: ${esc(h.message)}</li>`).join('')}</ul>`;
  // Sent (written to the kernel) but not shown read by the peer at close: the rates leave them out.
  const unread = unreadLines(result);
  if (unread.length > 0)
    out += `<ul class="warnings unread">${unread.map((u) => `<li data-unread="${esc(u.group)}">${esc(u.text)}</li>`).join('')}</ul>`;
  if (thresholds.length > 0) {
    out += table(
      [
        { label: 'result' },
        { label: 'threshold' },
        { label: 'expression' },
        { label: 'measured', num: true },
        { label: 'limit', num: true },
        { label: 'detail' },
      ],
      thresholds.map((t) => ({
        attrs: `class="threshold${t.passed ? '' : ' bad'}" data-key="${esc(t.key)}" data-passed="${t.passed === true}"`,
        cells: [
          t.passed ? '<span class="tag pass">PASS</span>' : '<span class="tag fail">FAIL</span>',
          `<code>${esc(t.key)}</code>${t.abortOnFail ? ' <span class="muted">(aborts the run)</span>' : ''}`,
          `<code>${esc(t.expression)}</code>`,
          esc(t.actualText),
          esc(t.limitText),
          esc(t.message),
        ],
      })),
      'thresholds',
    );
  }
  return section('verdict-section', out);
}

export function runHtml(result: RunResult): string {
  const { run, environment: env, scenario } = result;
  const item = (k: string, v: string): string => `<dt>${esc(k)}</dt><dd>${v}</dd>`;
  const targets = Object.entries(result.targets ?? {});
  const items = [
    item('scenario', `${esc(scenario.name)} <span class="muted">(${esc(scenario.file)})</span>`),
    item('scenario hash', `<code>${esc(scenario.hash)}</code>`),
    item(
      'targets',
      targets.length === 0
        ? '-'
        : `<ul class="plain">${targets.map(([k, v]) => `<li><code>${esc(k)}</code> ${esc(v)}</li>`).join('')}</ul>`,
    ),
    item('started', when(run.startedAt)),
    item('ended', when(run.endedAt)),
    item(
      'duration',
      `${esc(formatDurationMs(run.elapsedMs))} wall time <span class="muted">(send phase configured: ${esc(formatDurationMs(run.durationMs))})</span>`,
    ),
    item(
      'partial',
      run.partial
        ? `<span class="tag partial">PARTIAL</span> ${esc(run.partialReason ?? '')}`
        : 'no, the run completed',
    ),
    item('run id · seed', `<code>${esc(run.id)}</code> · ${esc(run.seed)}`),
    item(
      'workers',
      `${esc(run.workers)}${(run.processes ?? 1) > 1 ? ` in ${esc(run.processes)} generator processes` : ''}${run.shard && run.shard.count > 1 ? ` (shard ${esc(run.shard.index)}/${esc(run.shard.count)})` : ''}`,
    ),
    item('fleetbench', esc(env.fleetbench)),
    item('Node.js', `${esc(env.node)} <span class="muted">(${esc(env.platform)})</span>`),
    item('machine', `${esc(env.cpus)} cores, ${esc((env.memoryBytes / 2 ** 30).toFixed(1))} GiB memory`),
  ];
  // Shards, their common start and clock, or the merge that made this result (docs/sharding.md).
  const shards = shardLines(result);
  if (shards.length > 0)
    items.push(item('shards', `<ul class="plain">${shards.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`));
  const impaired = impairmentLines(result);
  if (impaired.length > 0)
    items.push(item('impairment', `<ul class="plain">${impaired.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`));
  const warnings = result.warnings ?? [];
  if (warnings.length > 0)
    items.push(
      item('warnings', `<ul class="plain warnings">${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`),
    );
  return section('run', `<dl class="meta">${items.join('\n')}</dl>`);
}

function figure(c: ChartSpec): string {
  return `<figure><figcaption>${esc(c.title)}</figcaption><div class="chart" id="chart-${esc(c.id)}" data-kind="${c.kind}"></div></figure>`;
}

function summaryCells(s: LatencySummary): string[] {
  return [int(s.count), us(s.min), us(s.p50), us(s.p90), us(s.p99), us(s.p999), us(s.max), us(s.mean)];
}

export function latencyHtml(result: RunResult, fleets: FleetLatency[]): string {
  if (fleets.length === 0) return section('latency', empty('No latency was measured (the result has no histograms).'));
  const intro = `<p class="note">HdrHistogram percentile plots: the x axis is 1/(1−p) on a log scale, so 90%, 99%, 99.9% … are evenly spaced and the tail is visible; the last point is the maximum. <b>Corrected</b> latency counts from the intended send time (coordinated omission corrected); <b>service time</b> (dashed) from the actual send.</p>`;
  const blocks = fleets.map((fl) => {
    const f = result.fleets[fl.fleet];
    const what = f ? ` <small>${esc(f.kind)} · ${esc(f.protocol)} · ${int(f.devicesRun)} device(s)</small>` : '';
    const rows: Row[] = [];
    for (const c of fl.charts)
      for (const s of c.stats) rows.push({ cells: [esc(c.metric), esc(s.label), ...summaryCells(s.summary)] });
    const stats = table(
      [
        { label: 'metric' },
        { label: 'series' },
        { label: 'count', num: true },
        { label: 'min', num: true },
        { label: 'p50', num: true },
        { label: 'p90', num: true },
        { label: 'p99', num: true },
        { label: 'p99.9', num: true },
        { label: 'max', num: true },
        { label: 'mean', num: true },
      ],
      rows,
    );
    return `<div class="fleet" data-fleet="${esc(fl.fleet)}"><h3>${esc(fl.fleet)}${what}</h3>\n${stats}\n<div class="charts">${fl.charts.map((c) => (c.chart ? figure(c.chart) : '')).join('\n')}</div></div>`;
  });
  return section('latency', intro + blocks.join('\n'));
}

const PHASE_SWATCH: Record<string, string> = {
  connect: 'rgba(37,99,235,0.25)',
  run: 'rgba(22,163,74,0.15)',
  drain: 'rgba(217,119,6,0.35)',
  done: 'rgba(100,116,139,0.3)',
  warmup: 'rgba(147,51,234,0.3)',
};

/** The client's outage colours (client.ts OUTAGE), a little stronger for a small swatch. */
const OUTAGE_SWATCH: Record<string, [string, string]> = {
  loss: ['rgba(220,38,38,0.45)', 'connections lost in that second'],
  down: ['rgba(220,38,38,0.2)', 'fewer devices connected than before'],
};

export function overTimeHtml(result: RunResult, charts: ChartSpec[]): string {
  if (charts.length === 0) return section('over-time', empty('The result has no timeline.'));
  const seen: string[] = [];
  for (const p of result.timeline) if (!seen.includes(p.phase)) seen.push(p.phase);
  const warm = result.warmup;
  const warmNote = warm
    ? `<span style="--swatch:${PHASE_SWATCH.warmup}" data-phase="warmup">warm-up, first ${esc(formatDurationMs(warm.durationMs))}${warm.included ? '' : ' (kept out of the figures)'}</span>`
    : '';
  const phases = `<div class="phases">Phases: ${seen.map((p) => `<span style="--swatch:${PHASE_SWATCH[p] ?? PHASE_SWATCH.done}" data-phase="${esc(p)}">${esc(p)}</span>`).join('')}${warmNote}</div>`;
  const note =
    '<p class="note">One point per second from the timeline: messages per second (received counts every copy a receiver got) and each interval\'s latency p50 (dashed) and p99 (solid), from the intended send time.</p>';
  const outages = charts.some((c) => c.marks)
    ? `<div class="phases">Outages: ${Object.entries(OUTAGE_SWATCH)
        .map(([kind, [swatch, words]]) => `<span style="--swatch:${swatch}" data-outage="${kind}">${esc(words)}</span>`)
        .join('')}</div>`
    : '';
  return section('over-time', `${note}${phases}${outages}<div class="charts">${charts.map(figure).join('\n')}</div>`);
}

export function deliveryHtml(result: RunResult): string {
  if (result.delivery.length === 0) return section('delivery', empty('No sender → receiver pairs in this scenario.'));
  const queued = result.delivery.some((d) => (d.queued ?? 0) > 0);
  const rows: Row[] = result.delivery.map((d) => ({
    attrs: `data-pair="${esc(`${d.from}>${d.to}`)}" data-kept="${d.verdict.kept === true}"${d.verdict.kept ? '' : ' class="bad"'}`,
    cells: [
      `${esc(d.from)} → ${esc(d.to)}${d.mode === 'group' ? ` <span class="muted">(group of ${int(d.receivers)})</span>` : d.receivers !== 1 ? ` <span class="muted">(×${int(d.receivers)})</span>` : ''}`,
      int(d.sent),
      int(d.expected),
      int(d.received),
      int(d.unique),
      int(d.lost),
      ...(queued ? [int(d.queued ?? 0)] : []),
      int(d.duplicated),
      int(d.outOfOrder),
      d.latency.corrected.count > 0
        ? `${us(d.latency.corrected.p50)} / ${us(d.latency.corrected.p99)} / ${us(d.latency.corrected.max)}`
        : '-',
      `${mark(d.verdict.kept)} ${esc(d.promise.label)}${d.verdict.violations.length ? `<br><span class="ko">${esc(d.verdict.violations.join('; '))}</span>` : ''}`,
    ],
  }));
  let out = table(
    [
      { label: 'sender → receiver' },
      { label: 'sent', num: true },
      { label: 'expected', num: true },
      { label: 'received', num: true },
      { label: 'unique', num: true },
      { label: 'lost', num: true },
      ...(queued
        ? [{ label: 'queued', num: true, title: 'still held by the peer (in a queue) at the end: not lost' }]
        : []),
      { label: 'duplicated', num: true },
      { label: 'out of order', num: true },
      { label: 'e2e p50 / p99 / max', num: true },
      { label: 'promise' },
    ],
    rows,
    'delivery',
  );
  for (const d of result.delivery.filter((x) => x.issueCount > 0)) {
    out += `<h3>${esc(d.from)} → ${esc(d.to)}: ${int(d.issueCount)} stream/receiver pair(s) with problems${d.issueCount > d.issues.length ? ` <small>(the ${d.issues.length} worst)</small>` : ''}</h3>`;
    out += table(
      [
        { label: 'stream' },
        { label: 'receiver' },
        { label: 'sent', num: true },
        { label: 'received', num: true },
        { label: 'lost', num: true },
        { label: 'duplicated', num: true },
        { label: 'out of order', num: true },
      ],
      d.issues.slice(0, 20).map((i) => ({
        cells: [
          esc(i.stream),
          esc(i.receiver),
          int(i.sent),
          int(i.received),
          int(i.lost),
          int(i.duplicated),
          int(i.outOfOrder),
        ],
      })),
    );
  }
  const stored = result.delivery.flatMap(storedLines);
  if (stored.length > 0)
    out += `<ul class="plain">${stored.map((l) => `<li${l.short ? ' class="ko"' : ''}>${esc(l.text)}</li>`).join('')}</ul>`;
  const spread = result.delivery.filter((d) => d.spread && d.spread.members > 1);
  if (spread.length > 0) {
    out += `<ul class="plain">${spread
      .map((d) => {
        const s = d.spread as NonNullable<typeof d.spread>;
        return `<li>${esc(d.to)}: ${int(s.members)} members took ${int(s.min)}–${int(s.max)} messages each (mean ${fixed(s.mean)}, cv ${fixed(s.cv, 3)})</li>`;
      })
      .join('')}</ul>`;
  }
  return section('delivery', out);
}
