// A run's verdict as one list of failed checks, read by the Markdown summary (and open to the
// console and JUnit): each kind of check adds its failures here.
import type { RunResult } from './types.ts';

export interface FailedCheck {
  /** What kind of check failed: a default health check, a scenario threshold, or the run stopping before its end. */
  kind: 'health' | 'threshold' | 'partial';
  /** The check's name: a health check's, a threshold's key, 'run completed'. */
  name: string;
  /** The group it concerns, for group checks. */
  group?: string;
  /** Why it failed, in one line. */
  message: string;
}

/** Every check the run failed, health checks first, then thresholds; empty when the run passed. */
export function failedChecks(result: RunResult): FailedCheck[] {
  const failed: FailedCheck[] = (result.health ?? [])
    .filter((h) => !h.passed)
    .map((h) => ({ kind: 'health' as const, name: `health: ${h.name}`, message: h.message }));
  const thresholds: FailedCheck[] = (result.thresholds ?? [])
    .filter((t) => !t.passed)
    .map((t) => ({
      kind: 'threshold' as const,
      name: `${t.key}: ${t.expression}`,
      ...(t.group === undefined ? {} : { group: t.group }),
      message: t.message,
    }));
  failed.push(...thresholds);
  if (result.run.partial)
    failed.push({
      kind: 'partial',
      name: 'run completed',
      message: `partial run: ${result.run.partialReason ?? 'the run stopped early'}`,
    });
  return failed;
}
