// The scenario's warm-up window (dsl/warmup.ts) inside a worker: which samples belong to it.
// A message belongs to it by the intended time its stamp carries (whole µs on the wire,
// metrics/stamp.ts), the one time its sender and every receiver agree on, so a message sent in
// the warm-up and received after it is a warm-up delivery everywhere, never lost or duplicated.
// Warm-up samples go to a fleet's twin counters (warmGroup) and to histograms of warm kinds
// (warmKind): the headline figures, read under the plain names, never see them.
import type { AnyHistogramKind } from '../metrics/names.ts';

/** A fleet's warm-up counters are kept under this name; '~' is never in a fleet's name (dsl/validate.ts NAME). */
export function warmGroup(group: string): string {
  return `${group}~warmup`;
}

const WARM_KIND = 'warmup.';

/** The histogram kind under which a warm-up sample of `kind` is recorded. */
export function warmKind(kind: AnyHistogramKind): string {
  return `${WARM_KIND}${kind}`;
}

/** The measured kind of a warm-up kind, or undefined when `kind` is not one. */
export function warmedKind(kind: string): string | undefined {
  return kind.startsWith(WARM_KIND) ? kind.slice(WARM_KIND.length) : undefined;
}

/**
 * The end of the warm-up window (µs, whole, on the process clock), or 0 when there is none or it
 * is counted in the headline figures anyway (`include`).
 */
export function warmupEndUs(warmup: { durationMs: number; include: boolean } | undefined, startUs: number): number {
  return warmup && !warmup.include ? Math.round(startUs) + warmup.durationMs * 1000 : 0;
}

/** Whether a message whose stamp carries `intendedUs` belongs to the warm-up ending at `endUs` (0: none). */
export function inWarmup(intendedUs: number, endUs: number): boolean {
  return endUs > 0 && Math.round(intendedUs) < endUs;
}
