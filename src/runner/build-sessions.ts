// What a receiver's session phases change in its delivery rows: a late subscriber (startTime)
// expects each stream from where it joined, and one retained message per topic sent before; an
// observer offline on purpose expects what was sent meanwhile to be queued by its kept session.
import type { GroupPlan } from '../dsl/plan.ts';
import type { DeliveryShard, PairShard } from '../metrics/delivery.ts';
import { streamDevice, streamFleet } from '../metrics/stamp.ts';
import type { DeliveryPromise } from '../protocols/driver.ts';
import { driverFor } from '../protocols/registry.ts';
import type { RetainedDelivery, SessionQueuedDelivery } from '../result/types.ts';
import { renderTopic } from './topics.ts';
import { type WindowKind, windowKey } from './windows.ts';

export interface SessionFigures {
  /** A late subscriber's expected messages, counted per (receiver, stream) from `startOf`. */
  expected?: number;
  /** Where a late subscriber's expectation of a stream begins: its first live message, else the first sent after it joined. */
  startOf?: (device: number, stream: number) => number;
  retained?: RetainedDelivery;
  sessionQueued?: SessionQueuedDelivery;
}

/** Sends per stream of `from` in one window of `to`, across the workers. */
function windowSends(shards: DeliveryShard[], to: string, kind: WindowKind, fromIndex: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of shards)
    for (const [stream, n] of s.windows?.[windowKey(to, kind)] ?? [])
      if (streamFleet(stream) === fromIndex) out.set(stream, (out.get(stream) ?? 0) + n);
  return out;
}

export function sessionFigures(
  from: GroupPlan,
  to: GroupPlan,
  parts: PairShard[],
  shards: DeliveryShard[],
  sentByStream: Map<number, number>,
  promise: DeliveryPromise,
  /** Per stream, its warm-up's messages: the first sequence numbers, expected in the warm-up's rows instead. */
  warmByStream: ReadonlyMap<number, number> = new Map(),
): SessionFigures {
  const out: SessionFigures = {};
  const streams = [...sentByStream].filter(([s]) => streamFleet(s) === from.index);
  const devices = shards.flatMap((s) => s.receiverDevices[to.name] ?? []);
  const got = parts.reduce((n, p) => n + (p.retained ?? 0), 0);
  let retainedExpected = 0;
  if (to.startMs !== undefined) {
    const before = windowSends(shards, to.name, 'before_join', from.index);
    const first = new Map<number, number>();
    for (const p of parts)
      for (const row of p.rows ?? []) if (row[6] >= 0) first.set(row[0] * 2 ** 32 + row[1], row[6]);
    const startOf = (device: number, stream: number): number =>
      Math.max(
        warmByStream.get(stream) ?? 0,
        to.receiverMode === 'each'
          ? (first.get(device * 2 ** 32 + stream) ?? before.get(stream) ?? 0)
          : (before.get(stream) ?? 0),
      );
    const receivers = to.receiverMode === 'each' ? devices : [0];
    let expected = 0;
    for (const d of receivers) for (const [s, sent] of streams) expected += Math.max(0, sent - startOf(d, s));
    out.expected = expected;
    out.startOf = startOf;
    // One retained message per topic sent on before the join, for each receiver that subscribed
    // on its own; a shared subscription is sent none (the driver names one that gets any).
    const template = from.publish?.topic;
    if (
      to.receiverMode === 'each' &&
      template &&
      driverFor(from.protocol)?.retains?.(from.options, to.protocol === from.protocol ? to.options : undefined)
    ) {
      const topics = new Set(
        streams
          .filter(([s]) => (before.get(s) ?? 0) > 0)
          .map(([s]) => renderTopic(template, from.name, streamDevice(s), '')),
      );
      retainedExpected = topics.size * devices.length;
    }
  }
  if (retainedExpected > 0 || got > 0) out.retained = { expected: retainedExpected, got };
  if (to.offline) {
    const during = windowSends(shards, to.name, 'offline', from.index);
    const sent = [...during.values()].reduce((a, b) => a + b, 0);
    const expected = promise.noLoss ? sent * devices.length : 0;
    const queued = parts.reduce((n, p) => n + (p.sessionQueued ?? 0), 0);
    out.sessionQueued = {
      fromMs: to.offline.fromMs,
      toMs: to.offline.toMs,
      sent,
      expected,
      got: queued,
      lost: Math.max(0, expected - queued),
    };
  }
  return out;
}
