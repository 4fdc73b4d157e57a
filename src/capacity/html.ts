// capacity.html: the search as one self-contained page, built from the run report's parts
// (inlined uPlot, stylesheet, markup helpers, the same no-network CSP): the verdict, the
// throughput–latency curve (offered vs achieved, p50 and p99 per step) and the step table.
import { formatUs } from '../base/format.ts';
import { uplotAssets } from '../report/assets.ts';
import { pageHead } from '../report/head.ts';
import { scriptJson } from '../report/html.ts';
import { esc, fixed, int, mark, table } from '../report/markup.ts';
import type { CapacityReport } from './report.ts';

/** Draws the two charts from the embedded steps, sorted by offered load; steps past the knee are just points. */
const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('capacity-data').textContent);
  var steps = data.steps.slice().sort(function (a, b) { return a.offeredPerS - b.offeredPerS; });
  var x = steps.map(function (s) { return s.offeredPerS; });
  var w = Math.min(1100, document.querySelector('main').clientWidth - 10);
  var axes = function (label) { return [{ label: 'offered msg/s' }, { label: label }]; };
  new uPlot({ title: 'Throughput: achieved vs offered', width: w, height: 300, scales: { x: { time: false } }, axes: axes('msg/s'),
    series: [{}, { label: 'offered', stroke: '#9ca3af', dash: [4, 4] }, { label: 'achieved', stroke: '#1d4ed8', width: 2, points: { size: 7 } }] },
    [x, x, steps.map(function (s) { return s.achievedPerS; })], document.getElementById('chart-throughput'));
  var ms = function (v) { return v == null ? null : v / 1000; };
  new uPlot({ title: 'Latency per step (main latency)', width: w, height: 300, scales: { x: { time: false }, y: { distr: 3 } }, axes: axes('ms (log)'),
    series: [{}, { label: 'p50', stroke: '#15803d', width: 2, points: { size: 7 } }, { label: 'p99', stroke: '#b91c1c', width: 2, points: { size: 7 } }] },
    [x, steps.map(function (s) { return ms(s.p50Us); }), steps.map(function (s) { return ms(s.p99Us); })], document.getElementById('chart-latency'));
})();
`;

export function renderCapacity(r: CapacityReport): string {
  const uplot = uplotAssets();
  const ok = r.verdict === 'found';
  const title = `fleetbench capacity · ${r.scenario.name} · ${r.verdict.toUpperCase()}`;
  const lat = (v: number | undefined | null): string => (v === undefined || v === null ? '-' : esc(formatUs(v)));
  const rows = r.steps.map((s) => ({
    cells: [
      String(s.index),
      int(s.devices),
      fixed(s.offeredPerS, 1),
      fixed(s.achievedPerS, 1),
      lat(s.p50Us),
      lat(s.p99Us),
      s.slo.map((o) => mark(o.passed, `${o.expression} (${o.actual})`)).join('<br>'),
      esc(s.verdict),
      s.generatorBound ? `<span class="ko">${esc(s.generatorBound)}</span>` : 'no',
      `${fixed(s.cpu.processCores, 2)} of ${s.cpu.cores}${s.cpu.busiestThread === undefined ? '' : `, busiest thread ${Math.round(s.cpu.busiestThread * 100)}%`}`,
      s.folder ? `<a href="${esc(`${s.folder}/report.html`)}">report</a>` : '',
    ],
    attrs: r.knee?.step === s.index ? 'class="knee" title="the knee"' : '',
  }));
  const knee = r.knee
    ? `<p>Knee: step ${r.knee.step} (${fixed(r.knee.offeredPerS, 1)} msg/s offered, p99 ${lat(r.knee.p99Us)})${r.knee.reason ? `; past it ${esc(r.knee.reason)}` : '; no step past it was run'}${r.knee.trustworthy ? '' : ' <span class="ko">(not trustworthy: see above)</span>'}.</p>`
    : '<p>No knee: no step measured a latency the generator did not limit.</p>';
  const data = {
    steps: r.steps.map((s) => ({
      offeredPerS: s.offeredPerS,
      achievedPerS: s.achievedPerS,
      p50Us: s.p50Us ?? null,
      p99Us: s.p99Us ?? null,
    })),
  };
  const license = uplot.license.replace(/\*\//g, '* /');
  return `${pageHead(title, { css: 'tr.knee td { background: #fef9c3; }' })}
<body>
<main>
<header><h1>Capacity: ${esc(r.scenario.name)}</h1><div class="sub">${esc(r.scenario.file)} · vary ${esc(r.vary)} · SLO <code>${esc(r.slo)}</code> · steps of ${r.stepMs / 1000} s (warm-up ${r.warmupMs / 1000} s) · ${esc(r.startedAt)}</div></header>
<section id="verdict-section"><h2>Verdict</h2>
<p>${mark(ok, r.verdict)} ${esc(r.summary)}</p>
${knee}
<p class="note">Stopped: ${esc(r.stopReason)}. Achieved = messages sent per second × the share of expected deliveries that arrived; latency is the main latency (end to end, else ack, else round trip), corrected for coordinated omission.</p>
</section>
<section id="curve"><h2>Throughput–latency curve</h2>
<div id="chart-throughput"></div><div id="chart-latency"></div>
</section>
<section id="steps"><h2>Steps</h2>
${table(
  [
    { label: 'step' },
    { label: 'devices', num: true },
    { label: 'offered/s', num: true },
    { label: 'achieved/s', num: true },
    { label: 'p50', num: true },
    { label: 'p99', num: true },
    { label: 'SLO' },
    { label: 'verdict' },
    { label: 'generator-bound' },
    { label: 'generator CPU (cores)' },
    { label: 'run' },
  ],
  rows,
)}
</section>
<footer><p class="note">Generated by fleetbench from a <code>${esc(r.schema)}</code> capacity.json. Charts: uPlot ${esc(uplot.version)} (MIT), inlined; this page makes no network requests.</p></footer>
</main>
<script type="application/json" id="capacity-data">${scriptJson(data)}</script>
<script>
/* uPlot ${esc(uplot.version)}: https://github.com/leeoniya/uPlot
${license}
*/
${uplot.js}
</script>
<script>
${SCRIPT}
</script>
</body>
</html>
`;
}
