// The dimensions of threshold values: the units a limit may carry and how a value is printed.
import { formatUs } from '../base/format.ts';

/** What a value measures: the units a limit may carry and how a value is printed. */
export interface Dimension {
  /** Unit → [numerator, denominator]: limit × num / den is the base unit (a ratio keeps 0.1% exact). */
  units: Readonly<Record<string, readonly [number, number]>>;
  /** Whether a plain number (in the base unit) is a valid limit. */
  bare: boolean;
  /** The expected unit, for messages: 'expected <hint>, got "MB"'. */
  hint: string;
  format(x: number): string;
}

const sig4 = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(4))) : '∞');

/** Latencies, base unit µs. 'μs' (Greek mu) is accepted beside 'µs' (micro sign): they look alike. */
export const TIME: Dimension = {
  units: { us: [1, 1], µs: [1, 1], μs: [1, 1], ms: [1000, 1], s: [1_000_000, 1] },
  bare: false,
  hint: 'a unit of time after the number (us, µs, ms, s)',
  format: formatUs,
};
export const COUNT: Dimension = {
  units: {},
  bare: true,
  hint: 'no unit after the number (a count)',
  format: (x) => String(x),
};
export const RATE: Dimension = {
  units: { '%': [1, 100] },
  bare: true,
  hint: 'no unit or % after the number (a fraction, e.g. 0.001 or 0.1%)',
  format: (x) => `${sig4(x)} (${sig4(x * 100)}%)`,
};
export const PER_SECOND: Dimension = {
  units: { '/s': [1, 1] },
  bare: true,
  hint: 'no unit or /s after the number (messages per second)',
  format: (x) => `${sig4(x)}/s`,
};
export const BYTES: Dimension = {
  units: { B: [1, 1] },
  bare: true,
  hint: 'no unit or B after the number (bytes)',
  format: (x) => `${sig4(x)}B`,
};
export const ENERGY: Dimension = {
  units: { mJ: [1, 1], J: [1000, 1] },
  bare: false,
  hint: 'a unit of energy after the number (mJ, J)',
  format: (x) => `${sig4(x)}mJ`,
};
/** Time devices spent disconnected, base unit device-seconds (summed over devices). */
export const DOWNTIME: Dimension = {
  units: { s: [1, 1], ms: [1, 1000] },
  bare: false,
  hint: 'a unit of time after the number (s, ms): device-seconds spent disconnected',
  format: (x) => `${sig4(x)}s`,
};
/** Battery life, base unit days; a year is 365 days, as in the power model. */
export const LIFE: Dimension = {
  units: { h: [1, 24], d: [1, 1], y: [365, 1] },
  bare: false,
  hint: 'a unit of time after the number (h, d, y)',
  format: (x) => `${sig4(x)}d`,
};

/** A counter's reading: how many, and out of how many (the rate's denominator) when that exists. */
