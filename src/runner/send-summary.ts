// What a sending group's result says about its sends: its schedule in one exact line
// (`fleets.<name>.send`), so that `compare` can tell two runs at different rates apart even when
// the scenario file is the same; and the send rate, which counts only what the peer was shown to
// read: "sent" means written to the kernel, and what was still unread at the end
// (DriverDevice.unread) may have sat in socket buffers when the run ended.
import { round2 } from '../base/format.ts';
import type { PublishPlan } from '../dsl/plan.ts';
import type { UnreadMessages } from '../protocols/driver.ts';
import type { FleetResult } from '../result/types.ts';

const ms = (us: number): string => `${+(us / 1000).toFixed(3)}ms`;

export function sendSummary(p: PublishPlan): { schedule: string; messages: number | null } {
  const s = p.schedule;
  const schedule =
    s.kind === 'every'
      ? `every ${ms(s.intervalUs)}${s.jitterUs > 0 ? ` ±${ms(s.jitterUs)}` : ''}`
      : s.kind === 'poisson'
        ? `poisson ${s.ratePerS}/s`
        : `stages from ${s.fromPerS}/s: ${s.stages.map((x) => `${x.targetPerS}/s over ${ms(x.durationUs)}`).join(', ')}${s.poisson ? ' (poisson)' : ''}`;
  return { schedule, messages: p.messages ?? null };
}

/** A device as the end of a run sees it: its group, and what its driver still had unread when it closed. */
interface ClosedDevice {
  readonly group: { readonly name: string };
  readonly driver: { readonly unread?: UnreadMessages };
}

/**
 * Per group, the unread figures its devices' drivers reported after their last close, summed.
 * A group none of whose devices reported one is absent (its driver cannot tell); a reported
 * zero is kept, since it says everything sent was shown read.
 */
export function unreadByGroup(devices: Iterable<ClosedDevice>): Record<string, UnreadMessages> {
  const out: Record<string, UnreadMessages> = {};
  for (const d of devices) {
    const u = d.driver.unread;
    if (!u) continue;
    const sum = out[d.group.name] ?? { messages: 0, bytes: 0 };
    sum.messages += u.messages;
    sum.bytes += u.bytes;
    out[d.group.name] = sum;
  }
  return out;
}

/** One group's unread figures summed over the workers' shard results; undefined when none reported any. */
export function sumUnread(
  perWorker: readonly (Record<string, UnreadMessages> | undefined)[],
  group: string,
): UnreadMessages | undefined {
  let sum: UnreadMessages | undefined;
  for (const w of perWorker) {
    const u = w?.[group];
    if (!u) continue;
    sum = { messages: (sum?.messages ?? 0) + u.messages, bytes: (sum?.bytes ?? 0) + u.bytes };
  }
  return sum;
}

/**
 * A group's rates over `seconds` of send phase. `sentPerS` counts what the peer was shown to
 * read: the messages written to the kernel less those still unread at the end. When the driver
 * reported unread figures, `writtenPerS` keeps the rate of writes to the kernel beside it.
 */
export function sendRates(
  counts: { sent: number; received: number },
  unread: UnreadMessages | undefined,
  seconds: number,
): FleetResult['rates'] {
  const read = Math.max(0, counts.sent - (unread?.messages ?? 0));
  return {
    sentPerS: round2(read / seconds),
    receivedPerS: round2(counts.received / seconds),
    ...(unread ? { writtenPerS: round2(counts.sent / seconds) } : {}),
  };
}
