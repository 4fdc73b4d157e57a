// How a fleet's radio is named wherever it is shown (console, report): the profile's name, and
// what the scenario changed in it, so a profile made into another radio never reads as the original.
import type { PowerReport } from './report.ts';

export function radioLabel(p: Pick<PowerReport, 'radio' | 'overridden'>): string {
  return p.overridden.length === 0 ? p.radio : `${p.radio} (overridden: ${p.overridden.join(', ')})`;
}
