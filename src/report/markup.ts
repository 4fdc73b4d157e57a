// The report's markup helpers: escaping, tables, numbers, marks, and the sections in reading order.
import { formatBytes, formatUs } from '../base/format.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

export interface Col {
  label: string;
  num?: boolean;
  title?: string;
}

export interface Row {
  cells: string[];
  /** Extra attributes for the <tr>, already escaped. */
  attrs?: string;
}

/** A table; cells are HTML (escape text with esc()). */
export function table(cols: Col[], rows: Row[], cls = ''): string {
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

export function int(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '-' : Math.round(n).toLocaleString('en-US');
}

export function fixed(n: number | null | undefined, digits = 2): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '-' : String(+n.toFixed(digits));
}

export function us(n: number | undefined): string {
  return n === undefined ? '-' : esc(formatUs(n));
}

export function bytes(n: number | null | undefined): string {
  return n === null || n === undefined ? '-' : esc(formatBytes(n));
}

export function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? esc(iso) : esc(d.toISOString().replace('T', ' ').replace('Z', ' UTC'));
}

export function mark(ok: boolean, text = ''): string {
  return ok
    ? `<span class="ok">✓${text ? ` ${esc(text)}` : ''}</span>`
    : `<span class="ko">✗${text ? ` ${esc(text)}` : ''}</span>`;
}

export function empty(text: string): string {
  return `<p class="note">${esc(text)}</p>`;
}

export const SECTIONS = [
  ['verdict-section', 'Verdict'],
  // Only when a fleet declares power (power.ts): first after the verdict.
  ['power', 'Power'],
  ['run', 'Run'],
  ['latency', 'Latency distributions'],
  ['over-time', 'Over time'],
  ['delivery', 'Delivery'],
  ['connections', 'Connections'],
  ['bytes-energy', 'Bytes and energy'],
  ['comparison', 'Protocol comparison'],
  ['protocols', 'Protocol details'],
  ['errors', 'Errors and protocol codes'],
] as const;

export function section(id: (typeof SECTIONS)[number][0], body: string): string {
  const title = SECTIONS.find(([s]) => s === id)?.[1] ?? id;
  return `<section id="${id}"><h2>${esc(title)}</h2>\n${body}\n</section>`;
}
