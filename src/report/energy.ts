// The report's bytes-and-energy section (wire totals, power estimates, where the energy goes) and
// its protocol comparison (fleets doing the same work, ranked).
import { formatEnergymJ, formatLife, formatPowermW } from '../base/format.ts';
import { radioLabel } from '../power/index.ts';
import { senderDelivery, senderLatency } from '../result/senders.ts';
import type { RunResult } from '../result/types.ts';
import { unreadSuffix } from '../result/unread.ts';
import { bytes, type Col, empty, esc, fixed, int, mark, type Row, section, table, us } from './markup.ts';
import { type Ranking, rankings } from './ranking.ts';

const STATE_COLORS: Record<string, string> = {
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

export function bytesEnergyHtml(result: RunResult): string {
  const fleets = Object.entries(result.fleets);
  let out = table(
    [
      { label: 'fleet' },
      { label: 'kind' },
      { label: 'devices', num: true },
      { label: 'sent', num: true },
      { label: 'received', num: true },
      { label: 'bytes out', num: true },
      { label: 'bytes in', num: true },
      {
        label: 'B/msg out',
        num: true,
        title: 'application bytes sent per message sent, connect and subscribe included',
      },
      { label: 'B/msg in', num: true },
      { label: 'B/delivered', num: true, title: 'bytes sent per copy a receiver got' },
      { label: 'B/device out / in', num: true },
    ],
    fleets.map(([name, f]) => ({
      attrs: `data-fleet="${esc(name)}"`,
      cells: [
        esc(name),
        `${esc(f.kind)}/${esc(f.protocol)}`,
        `${int(f.devices.peakConnected)}/${int(f.devicesRun)}`,
        `${int(f.messages.sent)}${esc(unreadSuffix(f))}`,
        int(f.messages.received),
        bytes(f.bytes.sent),
        bytes(f.bytes.received),
        bytes(f.bytes.sentPerMessage),
        bytes(f.bytes.receivedPerMessage),
        bytes(f.bytes.sentPerDelivered),
        `${bytes(f.bytes.perDevice.sent)} / ${bytes(f.bytes.perDevice.received)}`,
      ],
    })),
    'bytes',
  );
  const powered = fleets.filter(([, f]) => f.power !== undefined);
  if (powered.length > 0) {
    out += `<h3>Energy and battery life</h3><p class="note">Per device and per report, priced from the traffic measured in this run (network-layer bytes and packets, headers included). Breakdown: ${Object.entries(
      STATE_COLORS,
    )
      .map(([s, c]) => `<span style="color:${c}">■</span> ${s}`)
      .join(' ')}</p>`;
    const rows: Row[] = powered.map(([name, f]) => {
      const p = f.power;
      if (!p)
        return {
          attrs: `data-fleet="${esc(name)}"`,
          cells: [esc(name), esc(f.protocol), '-', '-', '-', '-', '-', '-', '-', 'no messages to price', '-', '-'],
        };
      const r = p.perReport;
      const delivered = senderDelivery(result, name);
      const l = senderLatency(result, name);
      const latency = l ? `${l.source === 'ack' ? 'ack ' : ''}${us(l.summary.p50)} / ${us(l.summary.p99)}` : '-';
      const parts = Object.entries(p.breakdownmJ)
        .filter(([, mJ]) => mJ > 0)
        .sort(([, a], [, b]) => b - a);
      const total = p.energyPerMessagemJ > 0 ? p.energyPerMessagemJ : 1;
      const top = parts
        .slice(0, 2)
        .map(([state, mJ]) => `${state} ${Math.round((100 * mJ) / total)}%`)
        .join(', ');
      const title = parts.map(([state, mJ]) => `${state} ${formatEnergymJ(mJ)} mJ`).join(', ');
      const bar = `<div class="bar" title="${esc(title)}">${parts.map(([state, mJ]) => `<span style="width:${((100 * mJ) / total).toFixed(2)}%;background:${STATE_COLORS[state] ?? '#999'}"></span>`).join('')}</div>`;
      return {
        attrs: `data-fleet="${esc(name)}"`,
        cells: [
          esc(name),
          `${esc(f.protocol)} ${esc(p.session)}`,
          esc(radioLabel(p)),
          `${esc(+r.intervalS.toFixed(3))}s`,
          latency,
          delivered ? `${int(delivered.unique)}/${int(delivered.expected)}` : '-',
          `${int(r.tx.bytes)}/${int(r.rx.bytes)}`,
          `${fixed(r.tx.packets, 1)}/${fixed(r.rx.packets, 1)}`,
          esc(formatEnergymJ(p.energyPerMessagemJ)),
          `${esc(top)}${bar}`,
          esc(formatPowermW(p.averagePowermW)),
          `${esc(formatLife(p.batteryLifeDays))} <span class="muted">(${esc(p.battery.label)})</span>`,
        ],
      };
    });
    out += table(
      [
        { label: 'fleet' },
        { label: 'session' },
        { label: 'radio' },
        { label: 'report every', num: true },
        { label: 'e2e p50/p99', num: true },
        { label: 'delivered', num: true },
        { label: 'B/report out/in', num: true },
        { label: 'packets out/in', num: true },
        { label: 'mJ/msg', num: true },
        { label: 'breakdown' },
        { label: 'avg mW', num: true },
        { label: 'battery life' },
      ],
      rows,
      'power',
    );
  }
  return section('bytes-energy', out);
}

function rankingTable(r: Ranking): string {
  const energy = r.by === 'energy';
  const best = r.rows[0];
  const key = (c: Ranking['rows'][number]): number | undefined =>
    energy ? c.result.power?.energyPerMessagemJ : c.latency?.summary.p99;
  const bestKey = best ? key(best) : undefined;
  const cols: Col[] = [{ label: '#', num: true }, { label: 'fleet' }, { label: 'protocol' }];
  if (energy) cols.push({ label: 'mJ/msg', num: true }, { label: 'avg mW', num: true }, { label: 'battery life' });
  cols.push(
    { label: energy ? '× best energy' : '× best p99', num: true },
    { label: 'latency p50 / p99', num: true },
    { label: 'delivered', num: true },
    { label: 'lost', num: true },
    { label: 'B/msg out', num: true },
    { label: 'B/delivered', num: true },
  );
  const rows: Row[] = r.rows.map((c, i) => {
    const f = c.result;
    const p = f.power;
    const k = key(c);
    const cells = [String(i + 1), esc(c.fleet), `${esc(f.protocol)}${p ? ` ${esc(p.session)}` : ''}`];
    if (energy)
      cells.push(
        p ? esc(formatEnergymJ(p.energyPerMessagemJ)) : '-',
        p ? esc(formatPowermW(p.averagePowermW)) : '-',
        p ? esc(formatLife(p.batteryLifeDays)) : '-',
      );
    cells.push(
      k !== undefined && bestKey !== undefined && bestKey > 0 && Number.isFinite(k)
        ? `${(k / bestKey).toFixed(2)}×`
        : '-',
      c.latency
        ? `${c.latency.source === 'ack' ? 'ack ' : ''}${us(c.latency.summary.p50)} / ${us(c.latency.summary.p99)}`
        : '-',
      c.delivery ? `${int(c.delivery.unique)}/${int(c.delivery.expected)} ${mark(c.delivery.kept)}` : '-',
      c.delivery ? int(c.delivery.lost) : '-',
      bytes(f.bytes.sentPerMessage),
      bytes(f.bytes.sentPerDelivered),
    );
    return { attrs: `data-fleet="${esc(c.fleet)}" data-rank="${i + 1}"${i === 0 ? ' class="best"' : ''}`, cells };
  });
  const why = energy
    ? 'ranked by energy per message (every fleet declares power)'
    : 'ranked by p99 latency (end to end, or publish → ack when nothing was delivered)';
  const every = r.rows.every((c) => c.result.power) ? `${+r.intervalS.toFixed(3)}s` : `≈${+r.intervalS.toFixed(2)}s`;
  return `<h3>${r.rows.length} fleets of ${int(r.devices)} device(s), one message every ${esc(every)} per device <small>${esc(why)}</small></h3>${table(cols, rows, 'ranking')}`;
}

export function comparisonHtml(result: RunResult): string {
  const groups = rankings(result);
  if (groups.length === 0)
    return section(
      'comparison',
      empty(
        'No comparable fleets: a comparison needs two or more sending fleets with the same number of devices sending at the same per-device interval.',
      ),
    );
  const note =
    '<p class="note">Fleets doing the same work: the same number of devices, each sending at the same interval. The result does not record payload sizes, so check that the fleets send the same payload (the shoot-out does).</p>';
  return section('comparison', note + groups.map(rankingTable).join('\n'));
}
