// The report's bytes section (wire totals; energy is in the Power section, power.ts) and its
// protocol comparison by latency (fleets doing the same work, ranked).
import type { RunResult } from '../result/types.ts';
import { unreadSuffix } from '../result/unread.ts';
import { bytes, type Col, empty, esc, int, mark, type Row, section, table, us } from './markup.ts';
import { type Ranking, rankings } from './ranking.ts';

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
  if (fleets.some(([, f]) => f.power !== undefined))
    out += '<p class="note">Energy and battery life: see <a href="#power">Power</a> at the top.</p>';
  return section('bytes-energy', out);
}

function rankingTable(r: Ranking): string {
  const best = r.rows[0]?.latency?.summary.p99;
  const cols: Col[] = [
    { label: '#', num: true },
    { label: 'fleet' },
    { label: 'protocol' },
    { label: '× best p99', num: true },
    { label: 'latency p50 / p99', num: true },
    { label: 'delivered', num: true },
    { label: 'lost', num: true },
    { label: 'B/msg out', num: true },
    { label: 'B/delivered', num: true },
  ];
  const rows: Row[] = r.rows.map((c, i) => {
    const f = c.result;
    const k = c.latency?.summary.p99;
    return {
      attrs: `data-fleet="${esc(c.fleet)}" data-rank="${i + 1}"${i === 0 ? ' class="best"' : ''}`,
      cells: [
        String(i + 1),
        esc(c.fleet),
        esc(f.protocol),
        k !== undefined && best !== undefined && best > 0 && Number.isFinite(k) ? `${(k / best).toFixed(2)}×` : '-',
        c.latency
          ? `${c.latency.source === 'ack' ? 'ack ' : ''}${us(c.latency.summary.p50)} / ${us(c.latency.summary.p99)}`
          : '-',
        c.delivery ? `${int(c.delivery.unique)}/${int(c.delivery.expected)} ${mark(c.delivery.kept)}` : '-',
        c.delivery ? int(c.delivery.lost) : '-',
        bytes(f.bytes.sentPerMessage),
        bytes(f.bytes.sentPerDelivered),
      ],
    };
  });
  const why = 'ranked by p99 latency (end to end, or publish → ack when nothing was delivered)';
  return `<h3>${r.rows.length} fleets of ${int(r.devices)} device(s), one message every ≈${esc(+r.intervalS.toFixed(2))}s per device <small>${esc(why)}</small></h3>${table(cols, rows, 'ranking')}`;
}

export function comparisonHtml(result: RunResult): string {
  const all = rankings(result);
  // Fleets that all declare power are ranked by battery life in the Power section.
  const groups = all.filter((r) => r.by === 'latency');
  const elsewhere =
    all.length > groups.length
      ? '<p class="note">Fleets that all declare power are ranked by battery life under <a href="#power">Power</a>, at the top.</p>'
      : '';
  if (groups.length === 0 && elsewhere) return section('comparison', elsewhere);
  if (groups.length === 0)
    return section(
      'comparison',
      empty(
        'No comparable fleets: a comparison needs two or more sending fleets with the same number of devices sending at the same per-device interval.',
      ),
    );
  const note =
    '<p class="note">Fleets doing the same work: the same number of devices, each sending at the same interval. The result does not record payload sizes, so check that the fleets send the same payload (the shoot-out does).</p>';
  return section('comparison', elsewhere + note + groups.map(rankingTable).join('\n'));
}
