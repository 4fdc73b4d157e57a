// The report's "Connections" section: per group that lost connections, how many and why, how
// many came back and how fast, the device-seconds spent down, the sends not made meanwhile and
// the devices still down at the end (a problem, marked as one). The charts of devices connected
// over time, with the outages marked, are in the "Over time" section (timeline-outages.ts).
import {
  disconnectsText,
  downtimeText,
  outageRows,
  reconnectLatencyText,
  reconnectsText,
  unrecoveredText,
} from '../result/outages.ts';
import type { RunResult } from '../result/types.ts';
import { empty, esc, int, mark, section, table } from './markup.ts';

export function connectionsHtml(result: RunResult): string {
  const rows = outageRows(result);
  if (rows.length === 0) return section('connections', empty('No device lost its connection during the run.'));
  const out = table(
    [
      { label: 'group' },
      { label: 'disconnects (causes)', title: 'connections lost, by cause; injected_* are the scenario’s faults' },
      { label: 'reconnects / attempts', num: true },
      { label: 'reconnect p50 / p99', num: true, title: 'connection lost → connected again' },
      { label: 'downtime (device-s)', num: true, title: 'seconds spent disconnected, summed over devices' },
      { label: 'unsent', num: true, title: 'sends due while the device was down, not made' },
      { label: 'unrecovered', num: true, title: 'devices still down at the end' },
    ],
    rows.map((r) => ({
      attrs: `data-group="${esc(r.group)}" data-unrecovered="${r.unrecovered}"${r.unrecovered > 0 ? ' class="bad"' : ''}`,
      cells: [
        esc(r.group),
        esc(disconnectsText(r)),
        esc(reconnectsText(r)),
        esc(reconnectLatencyText(r)),
        esc(downtimeText(r.downtimeS)),
        int(r.unsent),
        r.unrecovered > 0 ? mark(false, String(r.unrecovered)) : mark(true, '0'),
      ],
    })),
    'connections',
  );
  const problems = rows
    .filter((r) => r.unrecovered > 0)
    .map(
      (r) => `<li class="ko" data-unrecovered-group="${esc(r.group)}">${esc(r.group)}: ${esc(unrecoveredText(r))}</li>`,
    );
  return section('connections', out + (problems.length > 0 ? `<ul class="plain">${problems.join('')}</ul>` : ''));
}
