// The matrix as a self-contained HTML page (probe.html): the table with coloured cells (the seen
// text in each cell's title and in numbered notes below), the targets, the totals, and the
// baseline comparison when there was one. The same head as report.html: no network requests.
import { pageHead } from '../report/head.ts';
import { esc, when } from '../report/markup.ts';
import type { BaselineVerdict } from './baseline.ts';
import type { ProbeMatrix } from './matrix.ts';
import { baselineLines, cellText, orderedRows, rowLabel, totalsLine } from './text.ts';
import type { CellStatus } from './verdict.ts';

const CSS = `
table.probe td.cell { text-align: center; white-space: nowrap; }
table.probe td.pass { background: #dcfce7; }
table.probe td.fail { background: #fee2e2; font-weight: 600; }
table.probe td.na { background: #f3f4f6; color: #6b7280; }
table.probe td.error { background: #fef3c7; }
table.probe tr.section th { text-align: left; background: #f8fafc; font-weight: 600; }
table.probe td.spec { color: #6b7280; font-size: 0.85em; }
ol.notes li { margin: 0.2em 0; }
p.regressed { color: #b91c1c; font-weight: 600; }`;

export function matrixHtml(m: ProbeMatrix, baseline?: BaselineVerdict): string {
  const counts: Record<CellStatus, number> = { pass: 0, fail: 0, na: 0, error: 0 };
  const notes: string[] = [];
  let section: string | null | undefined;
  const body: string[] = [];
  for (const r of orderedRows(m)) {
    const heading = r.load ? 'performance baseline' : `${r.protocol}${r.section ? ` · ${r.section}` : ''}`;
    if (heading !== section) {
      section = heading;
      body.push(`<tr class="section"><th colspan="${m.targets.length + 2}">${esc(heading)}</th></tr>`);
    }
    const cells = m.targets.map((t) => {
      const cell = m.cells[r.id]?.[t.name];
      if (!cell) return `<td class="cell">${r.protocol === t.protocol ? '-' : ''}</td>`;
      counts[cell.status]++;
      let ref = '';
      if (cell.status !== 'pass') {
        notes.push(`<li id="n${notes.length + 1}"><b>${esc(t.name)}</b> · ${esc(rowLabel(r))}: ${esc(cell.seen)}</li>`);
        ref = ` <a href="#n${notes.length}">[${notes.length}]</a>`;
      }
      return `<td class="cell ${cell.status}" title="${esc(cell.seen)}">${esc(cellText(cell))}${ref}</td>`;
    });
    body.push(`<tr><td>${esc(rowLabel(r))}</td><td class="spec">${esc(r.spec ?? '')}</td>${cells.join('')}</tr>`);
  }
  const head = `<tr><th>behaviour</th><th>spec</th>${m.targets.map((t) => `<th title="${esc(t.url)}">${esc(t.name)}</th>`).join('')}</tr>`;
  const b = baseline ? baselineLines(baseline) : [];
  const baselinePart = baseline
    ? `<h2>Against the baseline</h2><p class="${baseline.failed ? 'regressed' : ''}">${esc(baseline.file)}: ${baseline.failed ? 'regressed' : 'no regression'}</p>${b.length > 0 ? `<ul>${b.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` : ''}`
    : '';
  return `${pageHead('fleetbench probe', { generator: m.fleetbench, css: CSS })}
<body>
<main>
<h1>fleetbench probe</h1>
<p>${when(m.startedAt)} · ${esc(totalsLine(m, counts))}</p>
<p>✓ as the spec says · ✗ not as the spec says · n/a not offered (the peer said so) · ! could not run. A time is the probe's median latency; a performance-baseline cell is its throughput and p99.</p>
${baselinePart}
<div class="scroll"><table class="probe"><thead>${head}</thead><tbody>
${body.join('\n')}
</tbody></table></div>
<h2>Targets</h2>
<ul>${m.targets.map((t) => `<li><b>${esc(t.name)}</b>: <code>${esc(t.url)}</code></li>`).join('')}</ul>
${notes.length > 0 ? `<h2>What was seen</h2><ol class="notes">${notes.join('\n')}</ol>` : ''}
</main>
</body>
</html>
`;
}
