// The matrix as text: a table (one row per behaviour, one column per target) whose cells carry a
// symbol and the probe's latency, and numbered notes with what was seen for every ✗, n/a and
// error, for the console and for Markdown (CI summaries). Pure: no I/O.
import { formatUs } from '../base/format.ts';
import { mdTable } from '../result/markdown.ts';
import type { BaselineVerdict } from './baseline.ts';
import type { MatrixCell, MatrixRow, ProbeMatrix } from './matrix.ts';
import type { CellStatus } from './verdict.ts';

export const SYMBOL: Record<CellStatus, string> = { pass: '✓', fail: '✗', na: 'n/a', error: '!' };
const WORD: Record<CellStatus, string> = {
  pass: 'as the spec says',
  fail: 'not as the spec says',
  na: 'not offered',
  error: 'could not run',
};

export interface MatrixText {
  headers: string[];
  rows: string[][];
  /** '[3] rabbit · retained message to a late subscriber (3.1.1): late.retained_delivered: …' */
  notes: string[];
  counts: Record<CellStatus, number>;
}

export const rowLabel = (r: MatrixRow): string => (r.variant ? `${r.behaviour} (${r.variant})` : r.behaviour);

/** Rows in display order: by protocol (as first seen), section, then as found; load rows last. */
export function orderedRows(m: ProbeMatrix): MatrixRow[] {
  const protocols = [...new Set(m.rows.map((r) => r.protocol))];
  return m.rows
    .map((r, i) => ({ r, i }))
    .sort(
      (a, b) =>
        Number(a.r.load) - Number(b.r.load) ||
        protocols.indexOf(a.r.protocol) - protocols.indexOf(b.r.protocol) ||
        (a.r.section ?? '').localeCompare(b.r.section ?? '') ||
        a.i - b.i,
    )
    .map(({ r }) => r);
}

/** The protocols of the matrix's targets, in target order: one table each. */
export const protocolsOf = (m: ProbeMatrix): string[] => [...new Set(m.targets.map((t) => t.protocol))];

/**
 * The table of one protocol's rows and targets (all of them without `protocol`); notes are
 * numbered from `firstNote`, so several tables can share one list of notes.
 */
export function matrixText(m: ProbeMatrix, protocol?: string, firstNote = 1): MatrixText {
  const counts: Record<CellStatus, number> = { pass: 0, fail: 0, na: 0, error: 0 };
  const notes: string[] = [];
  const targets = m.targets.filter((t) => protocol === undefined || t.protocol === protocol);
  const rows = orderedRows(m)
    .filter((r) => protocol === undefined || r.protocol === protocol)
    .map((r) => [
      rowLabel(r),
      ...targets.map((t) => {
        const cell = m.cells[r.id]?.[t.name];
        if (!cell) return r.protocol === t.protocol ? '-' : '';
        counts[cell.status]++;
        let text = cellText(cell);
        if (cell.status !== 'pass') {
          const n = firstNote + notes.length;
          notes.push(`[${n}] ${t.name} · ${rowLabel(r)}: ${cell.seen}`);
          text += ` [${n}]`;
        }
        return text;
      }),
    ]);
  return { headers: ['behaviour', ...targets.map((t) => t.name)], rows, notes, counts };
}

/** One table per protocol, notes numbered across them, and the totals of all. */
export function matrixTables(m: ProbeMatrix): {
  tables: MatrixText[];
  notes: string[];
  counts: Record<CellStatus, number>;
} {
  const tables: MatrixText[] = [];
  const notes: string[] = [];
  const counts: Record<CellStatus, number> = { pass: 0, fail: 0, na: 0, error: 0 };
  for (const p of protocolsOf(m)) {
    const t = matrixText(m, p, notes.length + 1);
    tables.push(t);
    notes.push(...t.notes);
    for (const k of Object.keys(counts) as CellStatus[]) counts[k] += t.counts[k];
  }
  return { tables, notes, counts };
}

/** '✓ 1.3ms', '✗', 'n/a'; a load cell: '4,812/s p99 3.1ms'. */
export function cellText(cell: MatrixCell): string {
  const l = cell.load;
  if (l && cell.status !== 'error') {
    const p99 = l.p99Us === null ? '' : ` p99 ${formatUs(l.p99Us)}`;
    return `${cell.status === 'pass' ? '' : `${SYMBOL[cell.status]} `}${Math.round(l.throughputPerS).toLocaleString('en-US')}/s${p99}`;
  }
  if (cell.status === 'pass' && cell.latencyUs !== null) return `✓ ${formatUs(cell.latencyUs)}`;
  return SYMBOL[cell.status];
}

/** One line of totals: '41 ✓, 6 ✗, 12 n/a, 0 errors over 3 targets'. */
export function totalsLine(m: ProbeMatrix, counts: Record<CellStatus, number>): string {
  return `${counts.pass} ✓, ${counts.fail} ✗, ${counts.na} n/a, ${counts.error} could not run, over ${m.targets.length} target(s)${m.partial ? ' (stopped early: some rows were not run)' : ''}`;
}

/** What the baseline comparison found, in lines (empty when nothing changed). */
export function baselineLines(v: BaselineVerdict): string[] {
  const lines: string[] = [];
  for (const c of v.changes)
    lines.push(
      `${c.regression ? 'REGRESSION' : 'changed'}: ${c.target} · ${c.behaviour} (${c.row}): ${c.was === 'pass' ? '✓' : SYMBOL[c.was]} → ${c.now === 'missing' ? 'not run' : SYMBOL[c.now]}: ${c.seen}`,
    );
  for (const l of v.loads) for (const r of l.regressions) lines.push(`REGRESSION: ${l.target} · ${l.row}: ${r}`);
  if (v.notCompared.length > 0) lines.push(`not compared (not in this run): ${v.notCompared.join(', ')}`);
  return lines;
}

export function matrixMarkdown(m: ProbeMatrix, baseline?: BaselineVerdict): string {
  const t = matrixTables(m);
  const lines = [
    '## fleetbench probe',
    '',
    ...t.tables.flatMap((x) => [
      ...mdTable(x.headers, ['l', ...x.headers.slice(1).map(() => 'c' as const)], x.rows),
      '',
    ]),
    totalsLine(m, t.counts),
    '',
    `Legend: ✓ ${WORD.pass}, ✗ ${WORD.fail}, n/a ${WORD.na}, ! ${WORD.error}; the time is the probe's median latency.`,
    '',
    'Targets:',
    ...m.targets.map((x) => `- **${x.name}**: \`${x.url}\``),
  ];
  if (t.notes.length > 0) lines.push('', 'What was seen:', '', ...t.notes.map((n) => `- ${n}`));
  if (baseline) {
    const b = baselineLines(baseline);
    lines.push('', `Against the baseline \`${baseline.file}\`: ${baseline.failed ? '**regressed**' : 'no regression'}`);
    if (b.length > 0) lines.push('', ...b.map((x) => `- ${x}`));
  }
  return `${lines.join('\n')}\n`;
}
