// Deliveries the server made from what it stored, as one line each for the console, the report,
// JUnit and health: retained messages (a late subscriber's expected ones, or any other) and the
// messages a kept session queued while its receiver was offline on purpose.
import { formatCount, formatDurationMs } from '../base/format.ts';
import type { DeliveryResult } from './types.ts';

/** The lines of one delivery row's stored deliveries, each with whether it fell short. */
export function storedLines(d: DeliveryResult): { text: string; short: boolean }[] {
  const out: { text: string; short: boolean }[] = [];
  const r = d.retained;
  if (r)
    out.push(
      r.expected > 0
        ? {
            text: `${d.from} → ${d.to}: retained → late subscriber: expected ${formatCount(r.expected)} (one per topic per receiver), got ${formatCount(r.got)}`,
            short: r.got < r.expected,
          }
        : {
            text: `${d.from} → ${d.to}: retained: got ${formatCount(r.got)} (none expected: not a late subscriber${d.mode === 'group' ? ', or a shared subscription' : ''})`,
            short: false,
          },
    );
  const q = d.sessionQueued;
  if (q)
    out.push({
      text: `${d.from} → ${d.to}: queued by the session while offline ${formatDurationMs(q.fromMs)}–${formatDurationMs(q.toMs)}: sent ${formatCount(q.sent)}, expected ${formatCount(q.expected)}, got ${formatCount(q.got)}, lost ${formatCount(q.lost)}${q.sent > 0 && q.expected === 0 ? ' (not promised: the promise is best effort)' : ''}`,
      short: q.lost > 0,
    });
  return out;
}
