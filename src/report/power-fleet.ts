// One fleet's power details under the report's Power overview: the event (one report) against
// the keepalives and the floor of a report interval, the link the time is priced with, what the
// protocol put on the air, the sensitivity table, and the run's own loopback means, which are
// shown beside the estimate and never priced into it.
import { formatEnergyBand, formatEnergymJ, formatLife, formatLifeBand } from '../base/format.ts';
import { radioLabel } from '../power/label.ts';
import type { PowerReport } from '../power/report.ts';
import { esc, fixed, int, type Row, table } from './markup.ts';

export const STATE_COLORS: Record<string, string> = {
  wake: '#9333ea',
  handshake: '#dc2626',
  tx: '#2563eb',
  rx: '#0891b2',
  listen: '#16a34a',
  keepalive: '#ea580c',
  tail: '#b45309',
  idle: '#64748b',
  sleep: '#cbd5e1',
};

const SPLIT_COLORS = { report: '#2563eb', keepalive: '#ea580c', floor: '#cbd5e1' } as const;

/** The energy of one report interval by radio state, as a stacked bar with the figures in its title. */
export function breakdownBar(p: PowerReport): string {
  const parts = Object.entries(p.breakdownmJ)
    .filter(([, mJ]) => mJ > 0)
    .sort(([, a], [, b]) => b - a);
  const total = parts.reduce((s, [, mJ]) => s + mJ, 0) || 1;
  const title = parts.map(([state, mJ]) => `${state} ${formatEnergymJ(mJ)} mJ`).join(', ');
  return `<div class="bar" title="${esc(title)}">${parts.map(([state, mJ]) => `<span style="width:${((100 * mJ) / total).toFixed(2)}%;background:${STATE_COLORS[state] ?? '#999'}"></span>`).join('')}</div>`;
}

/** The report interval split three ways: the event, the keepalives, the floor. */
function splitBar(p: PowerReport): string {
  const parts: [keyof typeof SPLIT_COLORS, number][] = [
    ['report', p.energyPerMessagemJ],
    ['keepalive', p.keepalivemJ],
    ['floor', p.floormJ],
  ];
  const total = parts.reduce((s, [, mJ]) => s + mJ, 0) || 1;
  const words = parts
    .filter(([, mJ]) => mJ > 0)
    .map(
      ([k, mJ]) =>
        `<span style="color:${SPLIT_COLORS[k]}">■</span> ${k} ${esc(formatEnergymJ(mJ))} mJ (${Math.round((100 * mJ) / total)}%)`,
    )
    .join(' · ');
  const bar = `<div class="bar wide">${parts.map(([k, mJ]) => `<span style="width:${((100 * mJ) / total).toFixed(2)}%;background:${SPLIT_COLORS[k]}"></span>`).join('')}</div>`;
  return `${words}${bar}`;
}

function linkText(p: PowerReport): string {
  const l = p.link;
  const rate = (bps: number): string => (bps >= 1e6 ? `${fixed(bps / 1e6)} Mbit/s` : `${fixed(bps / 1e3)} kbit/s`);
  return `${esc(l.name)}${l.coverage ? `, coverage ${esc(l.coverage)}` : ''}: round trip ${fixed(l.rttMs.low, 1)} / <b>${fixed(l.rttMs.mid, 1)}</b> / ${fixed(l.rttMs.high, 1)} ms (low / typical / high), ${rate(l.upBps)} up, ${rate(l.downBps)} down, loss ${fixed(100 * l.loss, 2)}% <span class="muted">(${esc(l.source)})</span>`;
}

function sensitivityTable(p: PowerReport): string {
  if (p.sensitivity.length === 0)
    return '<p class="note">No sensitivity rows in this result (the power model that wrote it gives none).</p>';
  const delta = (value: number, base: number): string =>
    base > 0 && Number.isFinite(value) && Number.isFinite(base)
      ? `${value >= base ? '+' : '−'}${Math.abs((100 * (value - base)) / base).toFixed(0)}%`
      : '-';
  const rows: Row[] = [
    {
      attrs: 'class="base"',
      cells: ['as run', esc(formatEnergymJ(p.energyPerMessagemJ)), '', esc(formatLife(p.batteryLifeDays)), ''],
    },
    ...p.sensitivity.map((s) => ({
      attrs: `data-change="${esc(s.change)}"`,
      cells: [
        esc(s.change),
        esc(formatEnergymJ(s.energyPerMessagemJ)),
        delta(s.energyPerMessagemJ, p.energyPerMessagemJ),
        esc(formatLife(s.batteryLifeDays)),
        delta(s.batteryLifeDays, p.batteryLifeDays),
      ],
    })),
  ];
  return table(
    [
      { label: 'what if' },
      { label: 'mJ/report', num: true },
      { label: 'change', num: true },
      { label: 'battery life', num: true },
      { label: 'change', num: true },
    ],
    rows,
    'sensitivity',
  );
}

export function powerFleetHtml(name: string, protocol: string, p: PowerReport): string {
  const r = p.perReport;
  const item = (k: string, v: string): string => `<dt>${esc(k)}</dt><dd>${v}</dd>`;
  const ms = (v: number | null): string => (v === null ? '-' : `${fixed(v, 2)} ms`);
  const items = [
    item(
      'per report interval',
      `one report every ${esc(+r.intervalS.toFixed(3))}s: ${splitBar(p)}<span class="muted">By radio state:</span> ${breakdownBar(p)}`,
    ),
    item(
      'energy per report',
      `${esc(formatEnergyBand(p.energyPerMessagemJ, p.band.energyPerMessagemJ))} mJ <span class="muted">(the event: wake, handshakes, airtime, waits, its tail; range from the link's low and high round trip)</span>`,
    ),
    item(
      'battery life',
      `${esc(formatLifeBand(p.batteryLifeDays, p.band.batteryLifeDays))} on ${esc(p.battery.label)} <span class="muted">(${esc(p.battery.mAh)} mAh at ${esc(p.battery.volts)} V, ${fixed(p.averagePowermW, 4)} mW average)</span>`,
    ),
    item('link (priced)', linkText(p)),
    item(
      'on the air per interval',
      `${int(r.tx.bytes)} B in ${fixed(r.tx.packets, 1)} packet(s) out, ${int(r.rx.bytes)} B in ${fixed(r.rx.packets, 1)} in; ${fixed(r.handshakes, 2)} handshake(s), ${fixed(r.keepalives, 2)} keepalive(s), ${fixed(r.roundTrips, 2)} round trip(s); listening ${fixed(r.listenS, 4)} s, radio on ${fixed(r.radioOnS, 4)} s`,
    ),
    ...(p.setupmJ === null ? [] : [item('first connection', `${esc(formatEnergymJ(p.setupmJ))} mJ, once`)]),
    item(
      'measured on this run’s path, not priced',
      `loopback ack mean ${ms(p.measured.ackMeanMs)}, connect mean ${ms(p.measured.connectMeanMs)} <span class="muted">(the generator's own network, usually loopback: shown, never used for energy)</span>`,
    ),
  ];
  return `<div class="power-fleet" data-fleet="${esc(name)}"><h3>${esc(name)} <small>${esc(protocol)} ${esc(p.session)} · ${esc(radioLabel(p))}</small></h3>
<dl class="meta">${items.join('\n')}</dl>
<h4>Sensitivity <small class="muted">the same fleet repriced with one input changed</small></h4>
${sensitivityTable(p)}</div>`;
}
