// Batteries as a scenario names them: '2400mAh', '2xAA', or { mAh, volts }.
import type { Battery } from './model.ts';

/** Two alkaline AA cells in series: 2 × 1.5 V, about 2500 mAh at low drain (assumption: typical datasheet capacity to 0.8 V per cell). */
export const TWO_AA: Battery = { mAh: 2500, volts: 3.0 };

/** Parses a battery; `volts` defaults to the radio's supply voltage. Returns a problem description on failure. */
export function parseBattery(raw: unknown, defaultVolts: number): Battery | string {
  if (raw === '2xAA') return TWO_AA;
  if (typeof raw === 'string') {
    const m = /^(\d+(?:\.\d+)?)\s*mAh$/i.exec(raw.trim());
    if (!m) return "a battery such as '2400mAh', '2xAA' or { mAh: 1000, volts: 3.6 }";
    return { mAh: Number(m[1]), volts: defaultVolts };
  }
  if (typeof raw === 'object' && raw !== null) {
    const b = raw as { mAh?: unknown; volts?: unknown };
    if (typeof b.mAh !== 'number' || !(b.mAh > 0)) return 'mAh: a positive number';
    if (b.volts !== undefined && (typeof b.volts !== 'number' || !(b.volts > 0))) return 'volts: a positive number';
    return { mAh: b.mAh, volts: (b.volts as number | undefined) ?? defaultVolts };
  }
  return "a battery such as '2400mAh', '2xAA' or { mAh: 1000, volts: 3.6 }";
}
