// The battery-life chart at the top of the report: one horizontal bar per fleet (the typical
// round trip) with a whisker for the band (the link's low and high round trip). Inline SVG, drawn
// here and not by the page's script, so it prints and reads without JavaScript and needs nothing
// the page's Content-Security-Policy forbids.
import { formatLife, formatLifeBand } from '../base/format.ts';
import { esc } from './markup.ts';

export interface LifeBar {
  fleet: string;
  /** What the bar's label adds, e.g. the protocol and session. */
  detail: string;
  days: number;
  band: readonly [number, number];
  /** The rank label ('1', '=2') or '' when the fleet is not ranked. */
  rank: string;
}

const W = 780;
const LABEL = 200;
const RIGHT = 210;
const ROW = 28;
const TOP = 8;
const AXIS = 26;

/** Round axis steps (1, 2, 5 × 10^n) in the unit the longest life reads in. */
function ticks(maxDays: number): { unit: string; per: number; values: number[] } {
  const [unit, per] = maxDays >= 730 ? ['years', 365] : maxDays >= 2 ? ['days', 1] : ['hours', 1 / 24];
  const max = maxDays / per;
  const raw = max / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * p >= raw) ?? 10) * p;
  const values: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) values.push(+v.toFixed(6));
  return { unit, per, values };
}

export function lifeChart(bars: readonly LifeBar[]): string {
  const finite = bars.filter((b) => Number.isFinite(b.days));
  if (finite.length === 0) return '';
  const maxDays = Math.max(...finite.flatMap((b) => [b.days, ...b.band.filter(Number.isFinite)]));
  const t = ticks(maxDays);
  const top = (t.values[t.values.length - 1] ?? 1) * t.per;
  const span = Math.max(top, maxDays) || 1;
  const plot = W - LABEL - RIGHT;
  const x = (days: number): number => LABEL + (plot * Math.min(days, span)) / span;
  const h = TOP + bars.length * ROW + AXIS;
  const grid = t.values
    .map((v) => {
      const gx = x(v * t.per).toFixed(1);
      return `<line x1="${gx}" y1="${TOP}" x2="${gx}" y2="${h - AXIS}" stroke="#e5e7eb"/><text x="${gx}" y="${h - AXIS + 14}" text-anchor="middle" font-size="11" fill="#6b7280">${esc(+v.toFixed(3))}</text>`;
    })
    .join('');
  const rows = bars
    .map((b, i) => {
      const y = TOP + i * ROW;
      const mid = y + ROW / 2;
      const label = `<text x="${LABEL - 8}" y="${mid + 4}" text-anchor="end" font-size="12"><tspan font-weight="600">${esc(b.fleet)}</tspan> <tspan fill="#6b7280">${esc(b.detail)}</tspan></text>`;
      const value = `<text x="${W - RIGHT + 8}" y="${mid + 4}" font-size="12">${b.rank ? `<tspan font-weight="600">#${esc(b.rank)}</tspan> ` : ''}${esc(formatLifeBand(b.days, b.band))}</text>`;
      if (!Number.isFinite(b.days)) return `<g data-fleet="${esc(b.fleet)}">${label}${value}</g>`;
      const [lo, hi] = [Math.min(...b.band), Math.max(...b.band)];
      const w = (x(b.days) - LABEL).toFixed(1);
      const bar = `<rect x="${LABEL}" y="${y + 6}" width="${w}" height="${ROW - 12}" fill="${b.rank.startsWith('=') ? '#93c5fd' : '#2563eb'}" rx="2"><title>${esc(`${b.fleet}: ${formatLife(b.days)} at the link's typical round trip`)}</title></rect>`;
      const [x1, x2] = [x(lo).toFixed(1), x(hi).toFixed(1)];
      const whisker = `<g stroke="#111827" stroke-width="1.5" data-band="${esc(`${lo}..${hi}`)}"><line x1="${x1}" y1="${mid}" x2="${x2}" y2="${mid}"/><line x1="${x1}" y1="${mid - 6}" x2="${x1}" y2="${mid + 6}"/><line x1="${x2}" y1="${mid - 6}" x2="${x2}" y2="${mid + 6}"/><title>${esc(`band ${formatLife(lo)} – ${formatLife(hi)} (the link's high and low round trip)`)}</title></g>`;
      return `<g data-fleet="${esc(b.fleet)}">${label}${bar}${whisker}${value}</g>`;
    })
    .join('');
  const axis = `<text x="${LABEL + plot / 2}" y="${h - 2}" text-anchor="middle" font-size="11" fill="#6b7280">battery life, ${t.unit}</text>`;
  return `<figure class="life-chart"><figcaption>Battery life per device: bar at the link's typical round trip, whisker from its high to its low round trip; a light bar is a tie</figcaption><svg role="img" aria-label="battery life per fleet" viewBox="0 0 ${W} ${h}" width="100%" style="max-width:${W}px" font-family="system-ui, sans-serif">${grid}${rows}${axis}</svg></figure>`;
}
