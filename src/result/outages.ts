// Lost connections per group, as the console, the report, the Markdown verdict and JUnit show
// them: how many and why, how many came back and how fast, the device-seconds spent down and
// the devices still down at the end. A group that lost nothing has no row, so a run without
// outages prints exactly what it printed before outages were counted.
import { formatCount, formatUs } from '../base/format.ts';
import { type DisconnectCauseCode, disconnectCauses } from '../metrics/codes.ts';
import type { LatencySummary } from '../metrics/histogram.ts';
import type { DeliveryResult, FleetResult, RunResult } from './types.ts';

export interface OutageRow {
  group: string;
  /** Devices of the group this process ran. */
  devices: number;
  disconnects: number;
  /** Of `disconnects`, those the scenario's faults caused. */
  faulted: number;
  /** By cause, most first; may sum to less than `disconnects` for a result without causes. */
  causes: [DisconnectCauseCode, number][];
  reconnects: number;
  reconnectAttempts: number;
  /** Loss → connected again; absent when nothing came back. */
  reconnect: LatencySummary | undefined;
  downtimeS: number;
  unrecovered: number;
  unsent: number;
}

/** Whether the group lost a connection (or still had a device down at the end). */
export function hadOutage(f: FleetResult): boolean {
  const d = f.devices;
  return d.disconnects > 0 || (d.faulted ?? 0) > 0 || (d.unrecovered ?? 0) > 0;
}

/** One row per group that had an outage, in the result's order. */
export function outageRows(result: RunResult): OutageRow[] {
  return Object.entries(result.fleets)
    .filter(([, f]) => hadOutage(f))
    .map(([group, f]) => ({
      group,
      devices: f.devicesRun,
      disconnects: f.devices.disconnects,
      faulted: f.devices.faulted ?? 0,
      causes: disconnectCauses(result.codes ?? {}, group),
      reconnects: f.devices.reconnects ?? 0,
      reconnectAttempts: f.devices.reconnectAttempts ?? 0,
      reconnect: f.latency.reconnect?.count ? f.latency.reconnect : undefined,
      downtimeS: f.devices.downtimeS ?? 0,
      unrecovered: f.devices.unrecovered ?? 0,
      unsent: f.messages.unsent ?? 0,
    }));
}

/** '(reset 10, injected_kill 2)', or '' without recorded causes; causes not recorded show as 'other'. */
function causesText(row: OutageRow): string {
  const parts = row.causes.map(([cause, n]) => `${cause} ${formatCount(n)}`);
  const known = row.causes.reduce((s, [, n]) => s + n, 0);
  if (parts.length > 0 && known < row.disconnects) parts.push(`other ${formatCount(row.disconnects - known)}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** '12 (reset 10, injected_kill 2)': the count and its causes. */
export function disconnectsText(row: OutageRow): string {
  return `${formatCount(row.disconnects)}${causesText(row)}`;
}

/** '11 / 15': reconnects out of attempts. */
export function reconnectsText(row: OutageRow): string {
  return `${formatCount(row.reconnects)} / ${formatCount(row.reconnectAttempts)}`;
}

/** '1.00s / 4.50s', or '-' when nothing came back. */
export function reconnectLatencyText(row: OutageRow): string {
  return row.reconnect ? `${formatUs(row.reconnect.p50)} / ${formatUs(row.reconnect.p99)}` : '-';
}

/** Device-seconds, to 3 significant digits below 100 ('34.5', '0.25'). */
export function downtimeText(seconds: number): string {
  return seconds >= 100 ? formatCount(Math.round(seconds)) : String(Number(seconds.toPrecision(3)));
}

/** One line of figures: '12 lost (reset 10, injected_kill 2), 11 of 15 reconnect attempts succeeded, …'. */
export function outageLine(row: OutageRow): string {
  return [
    `${formatCount(row.disconnects)} lost${causesText(row)}`,
    `${formatCount(row.reconnects)} reconnected (${formatCount(row.reconnectAttempts)} attempts${row.reconnect ? `, p50 ${formatUs(row.reconnect.p50)}, p99 ${formatUs(row.reconnect.p99)}` : ''})`,
    `downtime ${downtimeText(row.downtimeS)} device-s`,
    ...(row.unsent > 0 ? [`${formatCount(row.unsent)} sends not made while down`] : []),
    `${formatCount(row.unrecovered)} unrecovered`,
  ].join(', ');
}

/** What an unrecovered count means, for the line that flags it. */
export function unrecoveredText(row: OutageRow): string {
  return `${formatCount(row.unrecovered)} of ${formatCount(row.devices)} device(s) lost their connection and were still down at the end`;
}

/**
 * The delivery allowances a row used ('3 in doubt', '2 resent'): losses and duplicates an outage
 * explains, so the promise held. Left out when a violation already names them ('besides 3 in doubt').
 */
export function allowancesUsed(d: DeliveryResult): string[] {
  const said = d.verdict.violations.join(' ');
  const out: string[] = [];
  const inDoubt = d.inDoubt ?? 0;
  const resent = d.resent ?? 0;
  if (inDoubt > 0 && !said.includes(`${inDoubt} in doubt`)) out.push(`${formatCount(inDoubt)} in doubt`);
  if (resent > 0 && !said.includes(`${resent} resent`)) out.push(`${formatCount(resent)} resent`);
  return out;
}
