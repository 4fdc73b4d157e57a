// The report's markup, section by section, in reading order: verdict, run, latency
// distributions, over time, delivery, bytes and energy, protocol comparison, errors. Tables are
// rendered here (they read and print without the script); charts are empty `.chart` containers
// the in-page script fills from the embedded data.

import { formatBytes, formatDurationMs, formatEnergymJ, formatLife, formatPowermW, formatUs } from '../base/format.ts';
import type { LatencySummary } from '../metrics/histogram.ts';
import { senderDelivery, senderLatency } from '../result/senders.ts';
import type { RunResult, ThresholdOutcome } from '../result/types.ts';
import { codeRows, splitErrorCode } from './codes.ts';
import type { ChartSpec, FleetLatency } from './data.ts';
import { type Ranking, rankings } from './ranking.ts';

export type Verdict = 'pass' | 'fail' | 'none';

/** FAIL when any threshold failed, PASS when all held, none without thresholds. */
export function verdictOf(thresholds: readonly ThresholdOutcome[]): Verdict {
  if (thresholds.length === 0) return 'none';
  return thresholds.every((t) => t.passed) ? 'pass' : 'fail';
}

export function thresholdsOf(result: RunResult): ThresholdOutcome[] {
  const t = (result as { thresholds?: ThresholdOutcome[] }).thresholds;
  return Array.isArray(t) ? t : [];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

interface Col {
  label: string;
  num?: boolean;
  title?: string;
}

interface Row {
  cells: string[];
  /** Extra attributes for the <tr>, already escaped. */
  attrs?: string;
}

/** A table; cells are HTML (escape text with esc()). */
function table(cols: Col[], rows: Row[], cls = ''): string {
  const head = cols
    .map((c) => `<th${c.num ? ' class="num"' : ''}${c.title ? ` title="${esc(c.title)}"` : ''}>${esc(c.label)}</th>`)
    .join('');
  const body = rows
    .map(
      (r) =>
        `<tr${r.attrs ? ` ${r.attrs}` : ''}>${r.cells.map((cell, i) => `<td${cols[i]?.num ? ' class="num"' : ''}>${cell}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<div class="scroll"><table${cls ? ` class="${cls}"` : ''}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function int(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '-' : Math.round(n).toLocaleString('en-US');
}

function fixed(n: number | null | undefined, digits = 2): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '-' : String(+n.toFixed(digits));
}

function us(n: number | undefined): string {
  return n === undefined ? '-' : esc(formatUs(n));
}

function bytes(n: number | null | undefined): string {
  return n === null || n === undefined ? '-' : esc(formatBytes(n));
}

function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? esc(iso) : esc(d.toISOString().replace('T', ' ').replace('Z', ' UTC'));
}

function mark(ok: boolean, text = ''): string {
  return ok
    ? `<span class="ok">✓${text ? ` ${esc(text)}` : ''}</span>`
    : `<span class="ko">✗${text ? ` ${esc(text)}` : ''}</span>`;
}

function empty(text: string): string {
  return `<p class="note">${esc(text)}</p>`;
}

export const SECTIONS = [
  ['verdict-section', 'Verdict'],
  ['run', 'Run'],
  ['latency', 'Latency distributions'],
  ['over-time', 'Over time'],
  ['delivery', 'Delivery'],
  ['bytes-energy', 'Bytes and energy'],
  ['comparison', 'Protocol comparison'],
  ['errors', 'Errors and protocol codes'],
] as const;

function section(id: (typeof SECTIONS)[number][0], body: string): string {
  const title = SECTIONS.find(([s]) => s === id)?.[1] ?? id;
  return `<section id="${id}"><h2>${esc(title)}</h2>\n${body}\n</section>`;
}

export function headerHtml(result: RunResult): string {
  const r = result.run;
  const partial = r.partial ? ` <span class="tag partial" title="${esc(r.partialReason ?? '')}">PARTIAL</span>` : '';
  const nav = SECTIONS.map(([id, title]) => `<a href="#${id}">${esc(title)}</a>`).join('');
  return `<header><h1>fleetbench report: ${esc(result.scenario.name)}${partial}</h1>
<div class="sub">${when(r.startedAt)} · ${esc(formatDurationMs(r.elapsedMs))} · run ${esc(r.id)} · ${esc(result.scenario.file)}</div></header>
<nav class="noprint">${nav}</nav>`;
}

export function verdictHtml(result: RunResult): string {
  const thresholds = thresholdsOf(result);
  const verdict = verdictOf(thresholds);
  const failed = thresholds.filter((t) => !t.passed).length;
  const badge = verdict === 'none' ? 'NO THRESHOLDS' : verdict.toUpperCase();
  const words =
    verdict === 'none'
      ? 'The scenario declares no thresholds: nothing to pass or fail.'
      : verdict === 'pass'
        ? `All ${thresholds.length} threshold(s) held.`
        : `${failed} of ${thresholds.length} threshold(s) failed.`;
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
      `${esc(run.workers)}${run.shard && run.shard.count > 1 ? ` (shard ${esc(run.shard.index)}/${esc(run.shard.count)})` : ''}`,
    ),
    item('fleetbench', esc(env.fleetbench)),
    item('Node.js', `${esc(env.node)} <span class="muted">(${esc(env.platform)})</span>`),
    item('machine', `${esc(env.cpus)} cores, ${esc((env.memoryBytes / 2 ** 30).toFixed(1))} GiB memory`),
  ];
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
};

export function overTimeHtml(result: RunResult, charts: ChartSpec[]): string {
  if (charts.length === 0) return section('over-time', empty('The result has no timeline.'));
  const seen: string[] = [];
  for (const p of result.timeline) if (!seen.includes(p.phase)) seen.push(p.phase);
  const phases = `<div class="phases">Phases: ${seen.map((p) => `<span style="--swatch:${PHASE_SWATCH[p] ?? PHASE_SWATCH.done}" data-phase="${esc(p)}">${esc(p)}</span>`).join('')}</div>`;
  const note =
    '<p class="note">One point per second from the timeline: messages per second (received counts every copy a receiver got) and each interval\'s latency p50 (dashed) and p99 (solid), from the intended send time.</p>';
  return section('over-time', `${note}${phases}<div class="charts">${charts.map(figure).join('\n')}</div>`);
}

export function deliveryHtml(result: RunResult): string {
  if (result.delivery.length === 0) return section('delivery', empty('No sender → receiver pairs in this scenario.'));
  const rows: Row[] = result.delivery.map((d) => ({
    attrs: `data-pair="${esc(`${d.from}>${d.to}`)}" data-kept="${d.verdict.kept === true}"${d.verdict.kept ? '' : ' class="bad"'}`,
    cells: [
      `${esc(d.from)} → ${esc(d.to)}${d.mode === 'group' ? ` <span class="muted">(group of ${int(d.receivers)})</span>` : d.receivers !== 1 ? ` <span class="muted">(×${int(d.receivers)})</span>` : ''}`,
      int(d.sent),
      int(d.expected),
      int(d.received),
      int(d.unique),
      int(d.lost),
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

const STATE_COLORS: Record<string, string> = {
  wake: '#9333ea',
  handshake: '#dc2626',
  tx: '#2563eb',
  rx: '#0891b2',
  listen: '#16a34a',
  keepalive: '#ea580c',
  tail: '#b45309',
  idle: '#64748b',
  sleep: '#cbd5e1',
};

export function bytesEnergyHtml(result: RunResult): string {
  const fleets = Object.entries(result.fleets);
  let out = table(
    [
      { label: 'fleet' },
      { label: 'kind' },
      { label: 'devices', num: true },
      { label: 'sent', num: true },
      { label: 'received', num: true },
      { label: 'bytes out', num: true },
      { label: 'bytes in', num: true },
      {
        label: 'B/msg out',
        num: true,
        title: 'application bytes sent per message sent, connect and subscribe included',
      },
      { label: 'B/msg in', num: true },
      { label: 'B/delivered', num: true, title: 'bytes sent per copy a receiver got' },
      { label: 'B/device out / in', num: true },
    ],
    fleets.map(([name, f]) => ({
      attrs: `data-fleet="${esc(name)}"`,
      cells: [
        esc(name),
        `${esc(f.kind)}/${esc(f.protocol)}`,
        `${int(f.devices.peakConnected)}/${int(f.devicesRun)}`,
        int(f.messages.sent),
        int(f.messages.received),
        bytes(f.bytes.sent),
        bytes(f.bytes.received),
        bytes(f.bytes.sentPerMessage),
        bytes(f.bytes.receivedPerMessage),
        bytes(f.bytes.sentPerDelivered),
        `${bytes(f.bytes.perDevice.sent)} / ${bytes(f.bytes.perDevice.received)}`,
      ],
    })),
    'bytes',
  );
  const powered = fleets.filter(([, f]) => f.power !== undefined);
  if (powered.length > 0) {
    out += `<h3>Energy and battery life</h3><p class="note">Per device and per report, priced from the traffic measured in this run (network-layer bytes and packets, headers included). Breakdown: ${Object.entries(
      STATE_COLORS,
    )
      .map(([s, c]) => `<span style="color:${c}">■</span> ${s}`)
      .join(' ')}</p>`;
    const rows: Row[] = powered.map(([name, f]) => {
      const p = f.power;
      if (!p)
        return {
          attrs: `data-fleet="${esc(name)}"`,
          cells: [esc(name), esc(f.protocol), '-', '-', '-', '-', '-', '-', '-', 'no messages to price', '-', '-'],
        };
      const r = p.perReport;
      const delivered = senderDelivery(result, name);
      const l = senderLatency(result, name);
      const latency = l ? `${l.source === 'ack' ? 'ack ' : ''}${us(l.summary.p50)} / ${us(l.summary.p99)}` : '-';
      const parts = Object.entries(p.breakdownmJ)
        .filter(([, mJ]) => mJ > 0)
        .sort(([, a], [, b]) => b - a);
      const total = p.energyPerMessagemJ > 0 ? p.energyPerMessagemJ : 1;
      const top = parts
        .slice(0, 2)
        .map(([state, mJ]) => `${state} ${Math.round((100 * mJ) / total)}%`)
        .join(', ');
      const title = parts.map(([state, mJ]) => `${state} ${formatEnergymJ(mJ)} mJ`).join(', ');
      const bar = `<div class="bar" title="${esc(title)}">${parts.map(([state, mJ]) => `<span style="width:${((100 * mJ) / total).toFixed(2)}%;background:${STATE_COLORS[state] ?? '#999'}"></span>`).join('')}</div>`;
      return {
        attrs: `data-fleet="${esc(name)}"`,
        cells: [
          esc(name),
          `${esc(f.protocol)} ${esc(p.session)}`,
          esc(p.radio),
          `${esc(+r.intervalS.toFixed(3))}s`,
          latency,
          delivered ? `${int(delivered.unique)}/${int(delivered.expected)}` : '-',
          `${int(r.tx.bytes)}/${int(r.rx.bytes)}`,
          `${fixed(r.tx.packets, 1)}/${fixed(r.rx.packets, 1)}`,
          esc(formatEnergymJ(p.energyPerMessagemJ)),
          `${esc(top)}${bar}`,
          esc(formatPowermW(p.averagePowermW)),
          `${esc(formatLife(p.batteryLifeDays))} <span class="muted">(${esc(p.battery.label)})</span>`,
        ],
      };
    });
    out += table(
      [
        { label: 'fleet' },
        { label: 'session' },
        { label: 'radio' },
        { label: 'report every', num: true },
        { label: 'e2e p50/p99', num: true },
        { label: 'delivered', num: true },
        { label: 'B/report out/in', num: true },
        { label: 'packets out/in', num: true },
        { label: 'mJ/msg', num: true },
        { label: 'breakdown' },
        { label: 'avg mW', num: true },
        { label: 'battery life' },
      ],
      rows,
      'power',
    );
  }
  return section('bytes-energy', out);
}

function rankingTable(r: Ranking): string {
  const energy = r.by === 'energy';
  const best = r.rows[0];
  const key = (c: Ranking['rows'][number]): number | undefined =>
    energy ? c.result.power?.energyPerMessagemJ : c.latency?.summary.p99;
  const bestKey = best ? key(best) : undefined;
  const cols: Col[] = [{ label: '#', num: true }, { label: 'fleet' }, { label: 'protocol' }];
  if (energy) cols.push({ label: 'mJ/msg', num: true }, { label: 'avg mW', num: true }, { label: 'battery life' });
  cols.push(
    { label: energy ? '× best energy' : '× best p99', num: true },
    { label: 'latency p50 / p99', num: true },
    { label: 'delivered', num: true },
    { label: 'lost', num: true },
    { label: 'B/msg out', num: true },
    { label: 'B/delivered', num: true },
  );
  const rows: Row[] = r.rows.map((c, i) => {
    const f = c.result;
    const p = f.power;
    const k = key(c);
    const cells = [String(i + 1), esc(c.fleet), `${esc(f.protocol)}${p ? ` ${esc(p.session)}` : ''}`];
    if (energy)
      cells.push(
        p ? esc(formatEnergymJ(p.energyPerMessagemJ)) : '-',
        p ? esc(formatPowermW(p.averagePowermW)) : '-',
        p ? esc(formatLife(p.batteryLifeDays)) : '-',
      );
    cells.push(
      k !== undefined && bestKey !== undefined && bestKey > 0 && Number.isFinite(k)
        ? `${(k / bestKey).toFixed(2)}×`
        : '-',
      c.latency
        ? `${c.latency.source === 'ack' ? 'ack ' : ''}${us(c.latency.summary.p50)} / ${us(c.latency.summary.p99)}`
        : '-',
      c.delivery ? `${int(c.delivery.unique)}/${int(c.delivery.expected)} ${mark(c.delivery.kept)}` : '-',
      c.delivery ? int(c.delivery.lost) : '-',
      bytes(f.bytes.sentPerMessage),
      bytes(f.bytes.sentPerDelivered),
    );
    return { attrs: `data-fleet="${esc(c.fleet)}" data-rank="${i + 1}"${i === 0 ? ' class="best"' : ''}`, cells };
  });
  const why = energy
    ? 'ranked by energy per message (every fleet declares power)'
    : 'ranked by p99 latency (end to end, or publish → ack when nothing was delivered)';
  const every = r.rows.every((c) => c.result.power) ? `${+r.intervalS.toFixed(3)}s` : `≈${+r.intervalS.toFixed(2)}s`;
  return `<h3>${r.rows.length} fleets of ${int(r.devices)} device(s), one message every ${esc(every)} per device <small>${esc(why)}</small></h3>${table(cols, rows, 'ranking')}`;
}

export function comparisonHtml(result: RunResult): string {
  const groups = rankings(result);
  if (groups.length === 0)
    return section(
      'comparison',
      empty(
        'No comparable fleets: a comparison needs two or more sending fleets with the same number of devices sending at the same per-device interval.',
      ),
    );
  const note =
    '<p class="note">Fleets doing the same work: the same number of devices, each sending at the same interval. The result does not record payload sizes, so check that the fleets send the same payload (the shoot-out does).</p>';
  return section('comparison', note + groups.map(rankingTable).join('\n'));
}

export function errorsHtml(result: RunResult): string {
  let out = '';
  if (result.errors.length === 0) out += empty('No errors.');
  else {
    out += table(
      [
        { label: 'fleet' },
        { label: 'code' },
        { label: 'reason code' },
        { label: 'count', num: true },
        { label: 'first message' },
      ],
      result.errors.map((e) => {
        const c = splitErrorCode(e.code);
        return {
          attrs: `data-code="${esc(e.code)}" class="bad"`,
          cells: [
            esc(e.group),
            `<code>${esc(c.code)}</code>`,
            c.reason ? `<code>${esc(c.reason)}</code>` : '-',
            int(e.count),
            esc(e.message),
          ],
        };
      }),
      'errors',
    );
  }
  const rows = codeRows(result.codes, (fleet) => result.fleets[fleet]?.protocol ?? '');
  const notable = rows.filter((r) => r.notable);
  const codeTable = (list: typeof rows): string =>
    table(
      [{ label: 'fleet' }, { label: 'packet' }, { label: 'code' }, { label: 'meaning' }, { label: 'count', num: true }],
      list.map((r) => ({
        cells: [esc(r.fleet), esc(r.packet), `<code>${esc(r.code)}</code>`, esc(r.meaning), int(r.count)],
      })),
      'codes',
    );
  out += '<h3>Protocol codes worth a look</h3>';
  out +=
    notable.length > 0
      ? codeTable(notable)
      : empty('None: no drops, failure reason codes, timeouts, resets or dead letters were counted.');
  if (rows.length > notable.length)
    out += `<details><summary>All ${rows.length} protocol codes counted</summary>${codeTable(rows)}</details>`;
  return section('errors', out);
}
