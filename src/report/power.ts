// The report's Power overview, first on the page when any fleet declares `power`: the protocol
// ranking by battery life (bands that overlap are ties, src/power/rank.ts), the battery-life
// chart, the energy table, then each fleet's details (power-fleet.ts).
import { formatEnergyBand, formatEnergymJ, formatLifeBand, formatPowermW } from '../base/format.ts';
import { radioLabel } from '../power/label.ts';
import { type Ranked, rankLabel, rankWithTies, sameLink } from '../power/rank.ts';
import type { PowerReport } from '../power/report.ts';
import type { RunResult } from '../result/types.ts';
import { type Col, esc, fixed, int, mark, type Row, section, table, us } from './markup.ts';
import { type LifeBar, lifeChart } from './power-chart.ts';
import { breakdownBar, powerFleetHtml, STATE_COLORS } from './power-fleet.ts';
import { type Contender, type Ranking, rankings } from './ranking.ts';

/** Fleets with a power estimate, in the result's order. */
function priced(result: RunResult): [string, string, PowerReport][] {
  return Object.entries(result.fleets).flatMap(([name, f]) => (f.power ? [[name, f.protocol, f.power] as const] : []));
}

/** 'best', 'tie', or how many times shorter than the best, only where the bands do not overlap. */
function versusBest(place: Ranking['places'][number], days: number, bestDays: number): string {
  const tie = place.tied ? '<span class="tag tie">tie</span>' : '';
  if (place.group === 0) return tie || 'best';
  const gap = days > 0 && Number.isFinite(bestDays) ? `${(bestDays / days).toFixed(2)}× shorter` : 'shorter';
  return tie ? `${tie} ${gap}` : gap;
}

function rankingTable(r: Ranking): string {
  const energy = new Map<Contender, Ranked<Contender>>(
    rankWithTies(
      r.rows,
      (c) => c.result.power?.band.energyPerMessagemJ ?? [Infinity, Infinity],
      (c) => c.result.power?.energyPerMessagemJ ?? Infinity,
      'lower',
      (a, b) => sameLink(a.result.power, b.result.power),
    ).map((e) => [e.item, e]),
  );
  const bestDays = r.rows[0]?.result.power?.batteryLifeDays ?? 0;
  const cols: Col[] = [
    { label: '#', num: true, title: "rank by battery life; '=' marks a tie (the bands overlap)" },
    { label: 'fleet' },
    { label: 'protocol' },
    { label: 'radio' },
    { label: 'battery life (range)', num: true },
    { label: 'vs best', title: 'the gap is shown only where the bands do not overlap' },
    { label: 'mJ/report (range)', num: true },
    { label: 'by energy', num: true, title: "rank by energy per report; '=' marks a tie" },
    { label: 'avg mW', num: true },
    { label: 'latency p50 / p99', num: true, title: "measured on this run's path (loopback, usually): not priced" },
    { label: 'delivered', num: true },
    { label: 'B/report out', num: true },
  ];
  const rows: Row[] = r.rows.map((c, i) => {
    const p = c.result.power as PowerReport;
    const place = r.places[i] as Ranking['places'][number];
    const e = energy.get(c);
    return {
      attrs: `data-fleet="${esc(c.fleet)}" data-rank="${place.rank}" data-tied="${place.tied}"${place.group === 0 ? ' class="best"' : ''}`,
      cells: [
        esc(rankLabel(place)),
        esc(c.fleet),
        `${esc(c.result.protocol)} ${esc(p.session)}`,
        esc(radioLabel(p)),
        esc(formatLifeBand(p.batteryLifeDays, p.band.batteryLifeDays)),
        versusBest(place, p.batteryLifeDays, bestDays),
        esc(formatEnergyBand(p.energyPerMessagemJ, p.band.energyPerMessagemJ)),
        e ? esc(rankLabel(e)) : '-',
        esc(formatPowermW(p.averagePowermW)),
        c.latency
          ? `${c.latency.source === 'ack' ? 'ack ' : ''}${us(c.latency.summary.p50)} / ${us(c.latency.summary.p99)}`
          : '-',
        c.delivery ? `${int(c.delivery.unique)}/${int(c.delivery.expected)} ${mark(c.delivery.kept)}` : '-',
        int(p.perReport.tx.bytes),
      ],
    };
  });
  return `<h3>${r.rows.length} fleets of ${int(r.devices)} device(s), one report every ${esc(+r.intervalS.toFixed(3))}s per device <small>ranked by battery life; fleets whose ranges overlap are tied</small></h3>${table(cols, rows, 'ranking')}`;
}

function energyTable(fleets: [string, string, PowerReport][]): string {
  const keepalives = fleets.some(([, , p]) => p.keepalivemJ > 0);
  const rows: Row[] = fleets.map(([name, protocol, p]) => ({
    attrs: `data-fleet="${esc(name)}"`,
    cells: [
      esc(name),
      `${esc(protocol)} ${esc(p.session)}`,
      esc(radioLabel(p)),
      `<span title="${esc(p.link.name)}">${esc(p.link.name.split(' (')[0] ?? p.link.name)}${p.link.coverage ? ` ${esc(p.link.coverage)}` : ''}</span> <span class="muted">${fixed(p.link.rttMs.mid, 1)}&nbsp;ms</span>`,
      `${esc(+p.perReport.intervalS.toFixed(3))}s`,
      esc(formatEnergyBand(p.energyPerMessagemJ, p.band.energyPerMessagemJ)),
      ...(keepalives ? [p.keepalivemJ > 0 ? esc(formatEnergymJ(p.keepalivemJ)) : '-'] : []),
      esc(formatEnergymJ(p.floormJ)),
      breakdownBar(p),
      esc(formatPowermW(p.averagePowermW)),
      `${esc(formatLifeBand(p.batteryLifeDays, p.band.batteryLifeDays))} <span class="muted">(${esc(p.battery.label)})</span>`,
    ],
  }));
  const legend = Object.entries(STATE_COLORS)
    .map(([s, c]) => `<span style="color:${c}">■</span> ${s}`)
    .join(' ');
  return `<h3>Energy per report, keepalives and floor</h3><p class="note">mJ/report is the event: one report's wake or promotion, handshakes, airtime, waits and the tail it causes. Keepalive and floor (sleep, PSM or connected idle) are per report interval. Ranges come from the link's low and high round trip. Breakdown over one interval: ${legend}</p>${table(
    [
      { label: 'fleet' },
      { label: 'session' },
      { label: 'radio' },
      { label: 'link, typical rtt' },
      { label: 'report every', num: true },
      { label: 'mJ/report (range)', num: true },
      ...(keepalives ? [{ label: 'keepalive mJ / interval', num: true }] : []),
      { label: 'floor mJ / interval', num: true },
      { label: 'breakdown' },
      { label: 'avg mW', num: true },
      { label: 'battery life (range)', num: true },
    ],
    rows,
    'power',
  )}`;
}

/** The Power section, or '' when no fleet declares power (the page is then as before). */
export function powerHtml(result: RunResult): string {
  const declared = Object.values(result.fleets).some((f) => f.power !== undefined || f.wire !== undefined);
  if (!declared) return '';
  const fleets = priced(result);
  const groups = rankings(result).filter((r) => r.by === 'battery');
  const note = `<p class="note">Per device, priced by the link model from what each protocol put on the air in this run (packets, bytes, round trips, handshakes, keepalives). The run's own timings are measured on its path (loopback, usually): they are shown, never priced. Ranges come from the link's low and high round trip; fleets whose battery-life ranges overlap are ties, and no gap is shown between them.</p>`;
  const unpriced = Object.entries(result.fleets)
    .filter(([, f]) => f.power === undefined && f.wire !== undefined)
    .map(([name]) => esc(name));
  const placed = new Map(groups.flatMap((g) => g.rows.map((c, i) => [c.fleet, g.places[i]] as const)));
  const order = [...fleets].sort((a, b) => {
    const ga = groups.findIndex((g) => g.rows.some((c) => c.fleet === a[0]));
    const gb = groups.findIndex((g) => g.rows.some((c) => c.fleet === b[0]));
    if (ga !== gb) return (ga < 0 ? Infinity : ga) - (gb < 0 ? Infinity : gb);
    return b[2].batteryLifeDays - a[2].batteryLifeDays;
  });
  const bars: LifeBar[] = order.map(([name, protocol, p]) => {
    const place = placed.get(name);
    return {
      fleet: name,
      detail: `${protocol} ${p.session}`,
      days: p.batteryLifeDays,
      band: p.band.batteryLifeDays,
      rank: place ? rankLabel(place) : '',
    };
  });
  const body = [
    note,
    groups.map(rankingTable).join('\n'),
    lifeChart(bars),
    fleets.length > 0 ? energyTable(fleets) : '',
    unpriced.length > 0 ? `<p class="note">No messages to price: ${unpriced.join(', ')}.</p>` : '',
    order.map(([name, protocol, p]) => powerFleetHtml(name, protocol, p)).join('\n'),
  ];
  return section('power', body.filter(Boolean).join('\n'));
}
