// Protocol codes (`result.codes`, 'fleet|packet|code' → count) in words, and which of them a
// reader should see, as each group's driver declares them (Driver.codes): drops, failure reason
// codes, timeouts, resets, dead letters. The routine ones stay available in a collapsed table.
import { formatHex } from '../base/format.ts';
import { type CodeWords, RUN_CODES, splitGroupCodeKey } from '../metrics/codes.ts';
import { driverFor } from '../protocols/registry.ts';

export interface CodeRow {
  fleet: string;
  packet: string;
  code: string;
  count: number;
  meaning: string;
  notable: boolean;
}

/** A code in words, with whether it signals a problem: the group's driver's book, else the run's own codes. */
export function describeCode(protocol: string, packet: string, code: string): CodeWords {
  return (
    driverFor(protocol)?.codes.describe(packet, code) ??
    RUN_CODES.describe(packet, code) ?? { meaning: code.replace(/_/g, ' '), notable: false }
  );
}

/** Every counted code, notable ones first, then by count. */
export function codeRows(codes: Record<string, number>, protocolOf: (fleet: string) => string): CodeRow[] {
  const rows: CodeRow[] = [];
  for (const [key, count] of Object.entries(codes ?? {})) {
    const split = splitGroupCodeKey(key);
    if (!split) continue;
    const { group: fleet, packet, code } = split;
    rows.push({ fleet, packet, code, count, ...describeCode(protocolOf(fleet), packet, code) });
  }
  return rows.sort(
    (x, y) => Number(y.notable) - Number(x.notable) || y.count - x.count || x.fleet.localeCompare(y.fleet),
  );
}

/** An error code as counted ('FB_CONNECT_REJECTED:134'), split into the code and the protocol's reason code. */
export function splitErrorCode(code: string): { code: string; reason: string } {
  const colon = code.indexOf(':');
  if (colon < 0) return { code, reason: '' };
  const reason = code.slice(colon + 1);
  const n = /^\d+$/.test(reason) ? Number(reason) : NaN;
  return {
    code: code.slice(0, colon),
    reason: Number.isFinite(n) && n > 9 && n < 256 ? `${reason} (${formatHex(n)})` : reason,
  };
}
