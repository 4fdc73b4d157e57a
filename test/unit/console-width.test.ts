// The console fits the terminal: the width it takes (terminal, COLUMNS, default), tables that fit
// as they are, wrap into panels, or stack into `heading: value` rows when narrow, wrapped text and
// the progress line. Whole summaries of real runs are checked in test/integration/ci-outputs.test.ts.
import { describe, expect, it } from 'vitest';
import { clip, DEFAULT_WIDTH, MIN_WIDTH, NARROW_WIDTH, table, terminalWidth, wrap } from '../../src/cli/format.ts';
import { render } from '../../src/cli/progress-line.ts';
import type { Progress } from '../../src/runner/progress.ts';

const lengths = (text: string): number[] => text.split('\n').map((l) => [...l].length);

const HEADERS = ['fleet', 'kind', 'conn', 'sent', 'recv', 'ack p50/p99', 'B/device', 'note'];
const ROWS = [
  ['gps', 'fleet/x', '100/100', '187', '0', '2.64ms / 223.10ms', '275B', 'a long note about what happened here'],
  ['temperature', 'fleet/x', '50/50', '50', '0', '-', '97B', ''],
  [],
  ['backend', 'observer/x', '1/1', '0', '237', '-', '26.0KiB', 'ok'],
];

describe('terminalWidth', () => {
  it("takes a terminal's columns, else COLUMNS, else the default", () => {
    expect(terminalWidth({ isTTY: true, columns: 93 }, { COLUMNS: '200' })).toBe(93);
    expect(terminalWidth({ isTTY: false, columns: 93 }, { COLUMNS: '61' })).toBe(61);
    expect(terminalWidth({}, { COLUMNS: '61' })).toBe(61);
    expect(terminalWidth({}, {})).toBe(DEFAULT_WIDTH);
    expect(terminalWidth({}, { COLUMNS: 'wide' })).toBe(DEFAULT_WIDTH);
    expect(terminalWidth({}, { COLUMNS: '0' })).toBe(DEFAULT_WIDTH);
    expect(terminalWidth({}, { COLUMNS: '5' })).toBe(MIN_WIDTH);
  });
});

describe('table', () => {
  it('prints a table that fits as aligned columns', () => {
    const text = table(
      ['fleet', 'sent'],
      [
        ['gps', '187'],
        ['temperature', '5'],
      ],
    );
    expect(text).toBe(['fleet        sent', '───────────  ────', 'gps           187', 'temperature     5'].join('\n'));
    expect(table(['fleet', 'sent'], [['gps', '187']], [], 17)).toBe(table(['fleet', 'sent'], [['gps', '187']]));
  });

  it('wraps columns into panels that fit, the first column in each', () => {
    const full = table(HEADERS, ROWS);
    expect(Math.max(...lengths(full))).toBeGreaterThan(90);
    const text = table(HEADERS, ROWS, [], 90);
    expect(Math.max(...lengths(text))).toBeLessThanOrEqual(90);
    // Each panel starts with the first heading; the empty row (a separator) stays a blank line.
    const panels = text.split(/\n\n(?=fleet )/);
    expect(panels.length).toBeGreaterThan(1);
    for (const panel of panels) {
      expect(panel).toMatch(/^fleet +\S/);
      expect(panel).toMatch(/\ngps +\S/);
      expect(panel).toMatch(/\ntemperature.*\n\nbackend +\S/);
    }
    // Every heading and every figure is still there, in some panel.
    for (const cell of [...HEADERS, ...ROWS.flat()]) expect(text).toContain(cell);
  });

  it('clips a column wider than the terminal with an ellipsis', () => {
    const text = table(['fleet', 'message'], [['gps', 'x'.repeat(200)]], [], 90);
    expect(Math.max(...lengths(text))).toBe(90);
    expect(text).toMatch(/x…$/);
  });

  it(`stacks rows as heading: value pairs below ${NARROW_WIDTH} columns, without empty figures`, () => {
    for (const width of [60, 40]) {
      const text = table(HEADERS, ROWS, [], width);
      expect(Math.max(...lengths(text))).toBeLessThanOrEqual(width);
      const lines = text.split('\n');
      expect(lines.slice(0, 2)).toEqual(['fleet', '─────']);
      expect(lines).toContain('gps');
      expect(lines).toContain('backend');
      expect(text).toContain('sent: 187');
      expect(text).toContain('recv: 237');
      expect(text).toContain('ack p50/p99: 2.64ms / 223.10ms');
      expect(text).not.toContain('ack p50/p99: -');
      expect(text).not.toMatch(/note: ($|·)/m);
    }
    expect(table(HEADERS, ROWS, [], 60)).toContain('sent: 187 · recv: 0');
  });
});

describe('wrap and clip', () => {
  it('wraps words to the width, keeping the indent, and splits a word too long', () => {
    const line = '  targets: one=embedded one (x://127.0.0.1:1), two=embedded two (y://127.0.0.1:2)';
    const text = wrap(line, 40);
    expect(Math.max(...lengths(text))).toBeLessThanOrEqual(40);
    expect(text.split('\n').length).toBeGreaterThan(1);
    expect(text.startsWith('  targets:')).toBe(true);
    for (const l of text.split('\n').slice(1)) expect(l).toMatch(/^ {4}\S/);
    expect(text.replace(/\n +/g, ' ')).toBe(line);
    const long = wrap(`see ${'z'.repeat(70)}`, 30);
    expect(Math.max(...lengths(long))).toBeLessThanOrEqual(30);
    expect(long.replace(/\s/g, '')).toBe(`see${'z'.repeat(70)}`);
    expect(wrap('short', 30)).toBe('short');
  });

  it('clips to the width with an ellipsis', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abc', 4)).toBe('abc');
    expect(clip('µs→✓', 4)).toBe('µs→✓');
  });
});

describe('progress line', () => {
  const p: Progress = {
    phase: 'run',
    elapsedS: 12,
    durationS: 600,
    devices: 100_000,
    connected: 99_500,
    sentPerS: 123_456,
    receivedPerS: 123_000,
    p99Us: 42_000,
    errors: 17,
  };

  it('is the long line when it fits, short words when not, cut as a last resort', () => {
    const long = render(p);
    expect(long).toBe('[12s/600s] devices 99500/100000 | sent 123456/s recv 123000/s | p99 42.00ms | errors 17');
    expect(render(p, 120)).toBe(long);
    const short = render(p, 79);
    expect(short).toBe('[12s/600s] dev 99500/100000 tx 123456/s rx 123000/s p99 42.00ms err 17');
    expect(render(p, 40)).toHaveLength(40);
    expect(render(p, 40)).toMatch(/^\[12s\/600s\] dev 99500\/100000 tx.*…$/);
  });
});
