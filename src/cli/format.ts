// Plain-text tables and lines for the terminal, no dependencies, never wider than the terminal:
// a table too wide for it wraps its columns into panels (each repeating the first column), and
// below NARROW_WIDTH columns each row becomes a block of `heading: value` pairs.

/** Width when neither the terminal nor COLUMNS says (a CI log, a pipe): fits a laptop terminal. */
export const DEFAULT_WIDTH = 120;
/** Below this, tables are stacked as `heading: value` blocks instead of wrapped into panels. */
export const NARROW_WIDTH = 80;
/** Narrower widths are taken as this one: nothing useful fits in less. */
export const MIN_WIDTH = 20;

/** The columns to print in: the terminal's, else the COLUMNS variable, else DEFAULT_WIDTH. */
export function terminalWidth(
  stream: { isTTY?: boolean; columns?: number },
  env: Readonly<Record<string, string | undefined>> = process.env,
): number {
  const tty = stream.isTTY === true && typeof stream.columns === 'number' && stream.columns > 0;
  const columns = tty ? stream.columns : Number(env.COLUMNS);
  if (columns === undefined || !Number.isInteger(columns) || columns <= 0) return DEFAULT_WIDTH;
  return Math.max(MIN_WIDTH, columns);
}

type Align = 'l' | 'r';

/** A table fitted to `maxWidth`: aligned columns, wrapped panels, or stacked rows when narrow. */
export function table(headers: string[], rows: string[][], align: Align[] = [], maxWidth = Infinity): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const total = widths.reduce((s, w) => s + w, 0) + 2 * (widths.length - 1);
  if (total <= maxWidth) return grid(headers, rows, align, widths);
  if (maxWidth < NARROW_WIDTH || headers.length < 2) return stacked(headers, rows, maxWidth);
  return panels(headers, rows, align, widths, maxWidth);
}

function grid(headers: string[], rows: string[][], align: Align[], widths: number[]): string {
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => {
        const cell = clip(c, widths[i] ?? 0);
        const pad = ' '.repeat((widths[i] ?? 0) - width(cell));
        return (align[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? cell + pad : pad + cell;
      })
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Columns split into consecutive panels that each fit, the first column repeated in every one. */
function panels(headers: string[], rows: string[][], align: Align[], widths: number[], maxWidth: number): string {
  const first = Math.min(widths[0] ?? 0, Math.floor(maxWidth / 2));
  const groups: number[][] = [];
  let current: number[] = [];
  let used = first;
  for (let i = 1; i < headers.length; i++) {
    const w = Math.min(widths[i] ?? 0, maxWidth - first - 2);
    if (current.length > 0 && used + 2 + w > maxWidth) {
      groups.push(current);
      current = [];
      used = first;
    }
    current.push(i);
    used += 2 + w;
  }
  if (current.length > 0) groups.push(current);
  return groups
    .map((cols) => {
      const pick = <T>(list: T[], fill: T): T[] => [list[0] ?? fill, ...cols.map((i) => list[i] ?? fill)];
      const w = [first, ...cols.map((i) => Math.min(widths[i] ?? 0, maxWidth - first - 2))];
      return grid(
        pick(headers, ''),
        rows.map((r) => (r.length === 0 ? [] : pick(r, ''))),
        [align[0] ?? 'l', ...cols.map((i) => align[i] ?? 'r')],
        w,
      );
    })
    .join('\n\n');
}

/** Each row as its first cell on a line, then `heading: value` pairs packed into lines that fit. */
function stacked(headers: string[], rows: string[][], maxWidth: number): string {
  const title = clip(headers[0] ?? '', maxWidth);
  const out = [title, '─'.repeat(width(title))];
  for (const row of rows) {
    if (row.length === 0) continue;
    out.push(clip(row[0] ?? '', maxWidth));
    // An empty figure ('-') says nothing a narrow screen has room for.
    const pairs = headers
      .slice(1)
      .map((h, i) => [h, row[i + 1] ?? ''])
      .filter(([, v]) => v !== '-' && v !== '')
      .map(([h, v]) => `${h}: ${v}`);
    out.push(...pack(pairs, maxWidth - 2, ' · ').map((l) => `  ${l}`));
  }
  return out.join('\n');
}

/** Items joined by `sep` into lines of at most `maxWidth`; an item too long alone is clipped. */
function pack(items: string[], maxWidth: number, sep: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const raw of items) {
    const item = clip(raw, maxWidth);
    if (line !== '' && width(line) + width(sep) + width(item) > maxWidth) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? item : `${line}${sep}${item}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Free text word-wrapped to `maxWidth`; continuation lines one step further in; a word too long is split. */
export function wrap(line: string, maxWidth: number, more = '  '): string {
  if (width(line) <= maxWidth) return line;
  // A line keeps its own indent, as long as some room is left beside it.
  const lead = (/^ */.exec(line)?.[0] ?? '').slice(0, Math.floor(maxWidth / 2));
  const indent = (lead + more).slice(0, Math.floor(maxWidth / 2));
  const lines: string[] = [];
  let current = '';
  for (const word of line.trimStart().split(' ')) {
    const room = maxWidth - width(lines.length === 0 ? lead : indent);
    const candidate = current === '' ? word : `${current} ${word}`;
    if (width(candidate) <= room) {
      current = candidate;
      continue;
    }
    if (current !== '') lines.push(current);
    const chunk = Math.max(1, maxWidth - width(indent));
    let rest = [...word];
    for (; rest.length > chunk; rest = rest.slice(chunk)) lines.push(rest.slice(0, chunk).join(''));
    current = rest.join('');
  }
  if (current !== '') lines.push(current);
  return lines.map((l, i) => (i === 0 ? lead : indent) + l).join('\n');
}

/** `s` cut to `maxWidth` characters, the last one an ellipsis when cut. */
export function clip(s: string, maxWidth: number): string {
  const chars = [...s];
  if (chars.length <= maxWidth) return s;
  return maxWidth <= 0 ? '' : `${chars.slice(0, maxWidth - 1).join('')}…`;
}

export function width(s: string): number {
  return [...s].length;
}
