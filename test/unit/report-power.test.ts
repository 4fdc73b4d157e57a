// The Power overview of report.html and the console's power table: first on the page when a
// fleet declares power, ranked by battery life with overlapping ranges tied, the range drawn as
// a whisker, the sensitivity table, and the run's loopback means labelled as never priced.
import { describe, expect, it } from 'vitest';
import { summary } from '../../src/cli/summary.ts';
import { renderReport } from '../../src/report/html.ts';
import type { RunResult } from '../../src/result/types.ts';
import { power, syntheticResult } from './report-fixture.ts';

const result = syntheticResult();
const html = renderReport(result);
const section = (page: string, id: string): string => {
  const at = page.indexOf(`<section id="${id}">`);
  return at < 0 ? '' : page.slice(at, page.indexOf('</section>', at));
};

/** temp's battery life 1.01× soil's: inside both ranges, so a tie. */
function tied(): RunResult {
  const r = structuredClone(result);
  (r.fleets.temp as { power: unknown }).power = power('sleep', 0.95, 9870);
  return r;
}

function withoutPower(): RunResult {
  const r = structuredClone(result);
  for (const f of Object.values(r.fleets)) {
    delete f.power;
    delete f.wire;
  }
  return r;
}

const ranks = (page: string): string[] =>
  [...section(page, 'power').matchAll(/<tr data-fleet="([^"]+)" data-rank="(\d)" data-tied="(true|false)"/g)].map(
    (m) => `${m[3] === 'true' ? '=' : ''}${m[2]}:${m[1]}`,
  );

describe('report.html: the Power overview', () => {
  it('comes right after the verdict, before the run and the first latency plot', () => {
    const power = html.indexOf('<section id="power"><h2>Power</h2>');
    expect(power).toBeGreaterThan(html.indexOf('<section id="verdict-section">'));
    expect(power).toBeLessThan(html.indexOf('<section id="run">'));
    expect(power).toBeLessThan(html.indexOf('<section id="latency">'));
    expect(power).toBeLessThan(html.indexOf('class="chart"'));
    expect(html).toContain('<a href="#power">Power</a>');
  });

  it('ranks by battery life, shows the gap where the ranges are apart, and draws each range as a whisker', () => {
    expect(ranks(html)).toEqual(['1:soil', '2:temp', '3:meters']);
    const power = section(html, 'power');
    expect(power).toMatch(/data-fleet="soil"[^\n]*26\.8 y \(24\.1–28\.1\)<\/td><td>best<\/td>/);
    expect(power).toMatch(/data-fleet="temp"[^\n]*<td>3\.05× shorter<\/td>/);
    // The chart: inline SVG, one bar and one whisker per fleet, nothing fetched.
    const svg = power.slice(power.indexOf('<svg'), power.indexOf('</svg>'));
    expect(svg.match(/<rect /g)?.length).toBe(3);
    expect(svg).toContain(`data-band="${9770 * 0.9}..${9770 * 1.05}"`);
    expect(svg).not.toMatch(/href|src=/);
  });

  it('shows a 1.01× gap inside the ranges as a tie: the same rank, a tie label and no gap', () => {
    const page = renderReport(tied());
    expect(ranks(page)).toEqual(['=1:temp', '=1:soil', '3:meters']);
    const power = section(page, 'power');
    expect(power.match(/<span class="tag tie">tie<\/span><\/td>/g)?.length).toBe(2);
    expect(power).not.toMatch(/data-fleet="(temp|soil)"[^\n]*shorter/);
    expect(power).toMatch(/data-fleet="meters"[^\n]*<td>5\d\.\d\d× shorter<\/td>/);
    // The chart labels the tie as well.
    expect(power).toMatch(/<g data-fleet="soil">.*#=1/);
  });

  it('gives each fleet its event, keepalive and floor, its link, the sensitivity table and the loopback means', () => {
    const power = section(html, 'power');
    const soil = power.slice(power.indexOf('<div class="power-fleet" data-fleet="soil">'));
    expect(soil).toContain('802.15.4 (6LoWPAN border router)');
    expect(soil).toMatch(/round trip 10 \/ <b>20<\/b> \/ 60 ms/);
    expect(soil).toMatch(/report 0\.960 mJ \(\d+%\)/);
    expect(soil).toMatch(/floor 0\.096 mJ/);
    expect(soil).toContain('0.960 (0.912–1.056) mJ');
    expect(soil).toContain('measured on this run’s path, not priced');
    expect(soil).toContain('loopback ack mean 4 ms');
    expect(soil).toMatch(
      /<table class="sensitivity">.*<tr data-change="round trip ×2"><td>round trip ×2<\/td><td class="num">1\.152<\/td><td class="num">\+20%<\/td><td class="num">22\.75 y<\/td><td class="num">−15%<\/td>/s,
    );
  });

  it('leaves a page without power as it was: no Power section or link, the latency comparison kept', () => {
    const page = renderReport(withoutPower());
    expect(page).not.toContain('id="power"');
    expect(page).not.toContain('href="#power"');
    expect(section(page, 'comparison')).toContain('ranked by p99 latency');
    expect(section(page, 'bytes-energy')).not.toContain('Power');
  });
});

describe('console: the power table', () => {
  /** The power table and its notes (the fleet table above also starts rows with fleet names). */
  const lines = (r: RunResult): string[] => {
    const all = summary(r, 400).split('\n');
    return all.slice(all.findIndex((l) => l.startsWith('power ')));
  };

  it('has the event with its range, the floor, the link, battery life with its range and the rank', () => {
    const text = lines(result);
    const head = text.find((l) => l.startsWith('power ')) as string;
    expect(head).toMatch(/session\s+radio\s+link rtt\s+every\s+mJ\/report\s+floor mJ\s+largest shares\s+avg mW/);
    expect(head).toMatch(/battery life \(2xAA\)\s+rank$/);
    expect(head).not.toContain('keepalive mJ');
    expect(text.find((l) => l.startsWith('soil '))).toMatch(
      /^soil\s+coap sleep\s+cc2538-802154\s+802\.15\.4 20ms\s+30s\s+0\.960 \(0\.912–1\.056\)\s+0\.096\s+.*26\.8 y \(24\.1–28\.1\)\s+1$/,
    );
    expect(text.find((l) => l.startsWith('meters '))).toMatch(/170\.0 d \(153\.0–178\.5\)\s+3$/);
    expect(text.join('\n')).toMatch(/loopback ack mean, measured by this run and not used for energy: temp 4ms/);
  });

  it('marks a tie with "=" and the same rank', () => {
    const text = lines(tied());
    expect(text.find((l) => l.startsWith('temp '))).toMatch(/\s=1$/);
    expect(text.find((l) => l.startsWith('soil '))).toMatch(/\s=1$/);
    expect(text.find((l) => l.startsWith('meters '))).toMatch(/\s3$/);
  });

  it('adds the keepalive column when a fleet has keepalives in its interval', () => {
    const r = structuredClone(result);
    const meters = r.fleets.meters?.power;
    if (meters) meters.keepalivemJ = 12.5;
    const text = lines(r);
    expect(text.find((l) => l.startsWith('power '))).toContain('keepalive mJ');
    expect(text.find((l) => l.startsWith('meters '))).toMatch(/\s12\.5\s/);
  });
});
