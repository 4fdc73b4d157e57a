// The console's view of outages: a "connections" table for the groups that lost connections
// (nothing at all for a run that lost none), and a line for every group with devices still
// down at the end, which is a problem whatever the thresholds say.
import {
  disconnectsText,
  downtimeText,
  outageRows,
  reconnectLatencyText,
  reconnectsText,
  unrecoveredText,
} from '../result/outages.ts';
import type { RunResult } from '../result/types.ts';
import { table } from './format.ts';

/** The table and its problem lines, or nothing when no group lost a connection. */
export function connectionsLines(result: RunResult, maxWidth: number): string[] {
  const rows = outageRows(result);
  if (rows.length === 0) return [];
  const out = [
    table(
      [
        'connections',
        'disconnects (causes)',
        'reconnects/tries',
        'reconnect p50/p99',
        'down (device-s)',
        'unsent',
        'unrecovered',
      ],
      rows.map((r) => [
        r.group,
        disconnectsText(r),
        reconnectsText(r),
        reconnectLatencyText(r),
        downtimeText(r.downtimeS),
        String(r.unsent),
        r.unrecovered > 0 ? `✗ ${r.unrecovered}` : '0',
      ]),
      ['l', 'l'],
      maxWidth,
    ),
  ];
  for (const r of rows.filter((x) => x.unrecovered > 0)) out.push(`  UNRECOVERED ${r.group}: ${unrecoveredText(r)}`);
  return out;
}
