// The summary's power table: for each fleet that declares `power`, what one report (the event)
// costs, the keepalives and the floor per report interval, the link the time is priced with,
// and battery life with the band the link's latency spread gives; fleets doing the same work
// are ranked by battery life, and overlapping bands share a rank ('=2', src/power/rank.ts).
import { formatEnergyBand, formatEnergymJ, formatLifeBand, formatPowermW } from '../base/format.ts';
import { radioLabel } from '../power/label.ts';
import { rankLabel } from '../power/rank.ts';
import type { PowerReport } from '../power/report.ts';
import { powerPlaces } from '../report/ranking.ts';
import type { RunResult } from '../result/types.ts';
import { table } from './format.ts';

/** 'LTE-M 80ms': the link's short name (before any parenthesis), its coverage class and typical RTT. */
function linkCell(p: PowerReport): string {
  const name = p.link.name.split(' (')[0] ?? p.link.name;
  return `${name}${p.link.coverage ? ` ${p.link.coverage}` : ''} ${+p.link.rttMs.mid.toFixed(1)}ms`;
}

/** The two largest radio states' shares of the energy over one report interval. */
function largestShares(p: PowerReport): string {
  const total = Object.values(p.breakdownmJ).reduce((a, b) => a + b, 0);
  if (!(total > 0)) return '-';
  return Object.entries(p.breakdownmJ)
    .filter(([, mJ]) => mJ > 0)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 2)
    .map(([state, mJ]) => `${state} ${Math.round((100 * mJ) / total)}%`)
    .join(', ');
}

/** The table and its notes, or undefined when no fleet declares power. */
export function powerTable(result: RunResult, maxWidth: number): string | undefined {
  const fleets = Object.entries(result.fleets).filter(([, f]) => f.power !== undefined);
  if (fleets.length === 0) return undefined;
  const priced = fleets.flatMap(([name, f]) => (f.power ? [[name, f.power] as const] : []));
  const keepalives = priced.some(([, p]) => p.keepalivemJ > 0);
  const batteries = new Set(priced.map(([, p]) => p.battery.label));
  const oneBattery = batteries.size === 1 ? [...batteries][0] : undefined;
  const places = powerPlaces(result);
  const rows = fleets.map(([name, f]) => {
    const p = f.power;
    if (!p)
      return [
        name,
        f.protocol,
        '-',
        '-',
        '-',
        '-',
        ...(keepalives ? ['-'] : []),
        '-',
        '-',
        '-',
        'no messages to price',
        '-',
      ];
    const place = places.get(name);
    return [
      name,
      `${f.protocol} ${p.session}`,
      radioLabel(p),
      linkCell(p),
      `${+p.perReport.intervalS.toFixed(3)}s`,
      formatEnergyBand(p.energyPerMessagemJ, p.band.energyPerMessagemJ),
      ...(keepalives ? [p.keepalivemJ > 0 ? formatEnergymJ(p.keepalivemJ) : '-'] : []),
      formatEnergymJ(p.floormJ),
      largestShares(p),
      formatPowermW(p.averagePowermW),
      `${formatLifeBand(p.batteryLifeDays, p.band.batteryLifeDays)}${oneBattery ? '' : ` ${p.battery.label}`}`,
      place ? rankLabel(place) : '-',
    ];
  });
  const out = [
    table(
      [
        'power',
        'session',
        'radio',
        'link rtt',
        'every',
        'mJ/report',
        ...(keepalives ? ['keepalive mJ'] : []),
        'floor mJ',
        'largest shares',
        'avg mW',
        oneBattery ? `battery life (${oneBattery})` : 'battery life',
        'rank',
      ],
      rows,
      ['l', 'l', 'l', 'l', 'r', 'r', ...(keepalives ? ['r' as const] : []), 'r', 'l', 'r', 'l', 'r'],
      maxWidth,
    ),
    `  mJ/report is one report (its wake, handshakes, airtime, waits and tail); ${keepalives ? 'keepalive and floor mJ are' : 'floor mJ is'} per report interval. Ranges: the link's low and high round trip. Rank: battery life among fleets doing the same work; '=' is a tie (their ranges overlap).`,
  ];
  const loopback = priced
    .filter(([, p]) => p.measured.ackMeanMs !== null)
    .map(([name, p]) => `${name} ${+(p.measured.ackMeanMs ?? 0).toFixed(2)}ms`);
  if (loopback.length > 0)
    out.push(`  loopback ack mean, measured by this run and not used for energy: ${loopback.join(', ')}`);
  return out.join('\n');
}
