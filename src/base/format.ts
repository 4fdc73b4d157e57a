// Numbers for people: latencies, sizes, counts, durations, energy, power and battery life, each
// in the unit a reader takes in fastest. Used by the console, the report, thresholds and drivers.

export function formatDurationMs(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${+(ms / 1000).toFixed(3)}s`;
  return `${+ms.toFixed(3)}ms`;
}

/** A latency in microseconds, printed in the unit a human reads fastest. */
export function formatUs(us: number): string {
  if (!Number.isFinite(us)) return '-';
  // Choose the unit after rounding, so 999.6 µs prints as 1.00ms rather than 1000µs.
  if (Math.round(us / 10_000) >= 100) return `${(us / 1_000_000).toFixed(2)}s`;
  if (Math.round(us) >= 1000) return `${(us / 1000).toFixed(2)}ms`;
  return `${Math.round(us)}µs`;
}

export function formatBytes(n: number): string {
  if (Math.round(n / 104_857.6) >= 10) return `${(n / 1_048_576).toFixed(1)}MiB`;
  if (Math.round(n) >= 1024) return `${(n / 1024).toFixed(1)}KiB`;
  return `${Math.round(n)}B`;
}

/** Battery life in the unit that reads best: hours, days or years. */
export function formatLife(days: number): string {
  if (!Number.isFinite(days)) return '∞';
  if (days >= 365) return `${(days / 365).toFixed(2)} y`;
  if (days >= 1) return `${days.toFixed(1)} d`;
  return `${(days * 24).toFixed(1)} h`;
}

/**
 * A battery life with its band, all in the unit of the central value: '10.1 y (9.8–10.3)'. The
 * band is left out when its ends print the same as each other (a model without a spread).
 */
export function formatLifeBand(days: number, band: readonly [number, number]): string {
  if (!Number.isFinite(days)) return '∞';
  const [unit, per] = days >= 365 ? ['y', 365] : days >= 1 ? ['d', 1] : ['h', 1 / 24];
  const digits = days / per >= 10 ? 1 : 2;
  const f = (d: number): string => (Number.isFinite(d) ? (d / per).toFixed(digits) : '∞');
  const [lo, hi] = [Math.min(...band), Math.max(...band)];
  return f(lo) === f(hi) ? `${f(days)} ${unit}` : `${f(days)} ${unit} (${f(lo)}–${f(hi)})`;
}

/** An energy per report with its band, without the unit: '2.930 (2.784–3.223)'; see formatLifeBand. */
export function formatEnergyBand(mJ: number, band: readonly [number, number]): string {
  const [lo, hi] = [formatEnergymJ(Math.min(...band)), formatEnergymJ(Math.max(...band))];
  return lo === hi ? formatEnergymJ(mJ) : `${formatEnergymJ(mJ)} (${lo}–${hi})`;
}

/** An energy in millijoules, without the unit: one decimal from 10 mJ, three below. */
export function formatEnergymJ(mJ: number): string {
  return mJ >= 10 ? mJ.toFixed(1) : mJ.toFixed(3);
}

/** A power in milliwatts, without the unit: two decimals from 1 mW, four below. */
export function formatPowermW(mW: number): string {
  return mW >= 1 ? mW.toFixed(2) : mW.toFixed(4);
}

/** A count, shortened above 100,000: '12345', '250k', '12.5M'. */
export function formatCount(n: number): string {
  if (n >= 10_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 100_000) return `${(n / 1000).toFixed(0)}k`;
  return String(n);
}

/** Counts by name as 'name×count' pairs ('2.04×120 4.04×3'), or '-' when there are none. */
export function formatTally(counts: Readonly<Record<string, number>>): string {
  return (
    Object.entries(counts)
      .map(([k, n]) => `${k}×${n}`)
      .join(' ') || '-'
  );
}

/** A byte-sized code in hex as the specs print reason codes: 0x10, 0x80. */
export function formatHex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/** A number rounded to two decimals, for means and ratios in results. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** A figure a user typed or computed, in a label: at most four significant digits (1388.888… → 1389). */
export function formatFigure(x: number): string {
  return String(Number(x.toPrecision(4)));
}
