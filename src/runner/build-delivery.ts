// Turning the workers' delivery shards into one verdict per (sender fleet → receiver) pair:
// expected vs received, lost, duplicated, out of order, judged against the protocol's promise.
import { type GroupPlan, groupByName, type Plan } from '../dsl/plan.ts';
import type { Aggregator } from '../metrics/aggregate.ts';
import { type CodeCounts, codesOf } from '../metrics/codes.ts';
import type { DeliveryShard, PairShard } from '../metrics/delivery.ts';
import { summarize } from '../metrics/histogram.ts';
import { HistogramKind, histogramKey, pairKey } from '../metrics/names.ts';
import { unionSeenCount } from '../metrics/sequence.ts';
import { streamDevice, streamFleet } from '../metrics/stamp.ts';
import type { DeliveryPromise } from '../protocols/driver.ts';
import { driverFor } from '../protocols/registry.ts';
import type { DeliveryResult, LatencyPair, StreamIssue } from '../result/types.ts';
import { sessionFigures } from './build-sessions.ts';
import { splitForeign } from './foreign.ts';
import { shardSize } from './slices.ts';

const UNKNOWN_PROMISE: DeliveryPromise = { label: 'unknown', short: 'unknown', noLoss: false, noDuplicates: false };

/** Issues listed per pair; the count covers them all. */
const MAX_ISSUES = 100;
/** Above this many (receiver × stream) combinations, per-stream loss is not searched. */
const MAX_COMBINATIONS = 5_000_000;

/** `shard`: a shard of a larger run judges its own streams only (foreign.ts); the whole run by default. */
export function buildDelivery(
  plan: Plan,
  agg: Aggregator,
  shards: DeliveryShard[],
  shard: { index: number; count: number } = { index: 0, count: 1 },
): DeliveryResult[] {
  const receivers = new Map<string, number>();
  for (const s of shards)
    for (const [g, devices] of Object.entries(s.receiverDevices))
      receivers.set(g, (receivers.get(g) ?? 0) + devices.length);
  const all = new Map<string, PairShard[]>();
  for (const s of shards)
    for (const p of s.pairs) all.set(pairKey(p.from, p.to), [...(all.get(pairKey(p.from, p.to)) ?? []), p]);
  const pairs = new Map<string, PairShard[]>();
  const foreign = new Map<string, number>();
  for (const [key, parts] of all) {
    const split = splitForeign(parts, shard);
    pairs.set(key, split.own);
    if (split.foreign > 0) foreign.set(key, split.foreign);
  }
  const withForeign = (row: DeliveryResult): DeliveryResult => {
    const n = foreign.get(pairKey(row.from, row.to));
    return n === undefined ? row : { ...row, foreign: n };
  };

  const sent = new Map<number, number>();
  for (const s of shards) for (const [stream, n] of s.sent) sent.set(stream, n);
  // A stream's warm-up messages are its first sequence numbers, judged apart (build-warmup.ts).
  const warm = new Map<number, number>();
  for (const s of shards) for (const [stream, n] of s.warmSent ?? []) warm.set(stream, n);
  const held = heldByGroup(shards);
  const results: DeliveryResult[] = [];
  for (const to of plan.groups) {
    // What the peer still holds for this receiver is shared out over its senders in order: each
    // pair takes at most what it misses, so the group's rows never claim more than was held.
    let holding = held.get(to.name) ?? 0;
    for (const fromName of to.receives) {
      const from = groupByName(plan, fromName);
      if (!from) continue;
      const parts = pairs.get(pairKey(from.name, to.name)) ?? [];
      pairs.delete(pairKey(from.name, to.name));
      const row = judge(plan, agg, from.name, to.name, to.receiverMode, parts, receivers.get(to.name) ?? 0, shards, {
        declared: true,
        sentByStream: sent,
        warmByStream: warm,
        held: holding,
        // A receiver fleet whose devices all run in other shards has none to subscribe here.
        ranHere: shardSize(to.count, shard) > 0,
      });
      holding -= row.queued ?? 0;
      results.push(withForeign(row));
    }
  }
  // Pairs nobody declared (a wildcard catching another fleet): reported, expected 0.
  for (const [key, parts] of pairs) {
    const first = parts[0];
    // Nothing of its own: another shard's undeclared catch, judged by the merge.
    const onlyForeign = foreign.has(key) && parts.every((p) => p.received === 0);
    if (first && !onlyForeign)
      results.push(
        withForeign(
          judge(plan, agg, first.from, first.to, first.mode, parts, receivers.get(first.to) ?? 0, shards, {
            declared: false,
            sentByStream: sent,
            warmByStream: warm,
            held: 0,
          }),
        ),
      );
  }
  return results;
}

/** Messages still held for each receiving group: each store once (its smallest reading), summed over stores. */
function heldByGroup(shards: DeliveryShard[]): Map<string, number> {
  const stores = new Map<string, Map<string, number>>();
  for (const s of shards)
    for (const [group, list] of Object.entries(s.held ?? {})) {
      const byStore = stores.get(group) ?? new Map<string, number>();
      for (const [store, count] of list) byStore.set(store, Math.min(count, byStore.get(store) ?? count));
      stores.set(group, byStore);
    }
  return new Map([...stores].map(([group, byStore]) => [group, [...byStore.values()].reduce((a, b) => a + b, 0)]));
}

function judge(
  plan: Plan,
  agg: Aggregator,
  from: string,
  to: string,
  mode: 'each' | 'group',
  parts: PairShard[],
  receiverCount: number,
  shards: DeliveryShard[],
  {
    declared,
    sentByStream,
    warmByStream,
    held,
    ranHere = true,
  }: {
    declared: boolean;
    sentByStream: Map<number, number>;
    warmByStream: Map<number, number>;
    held: number;
    ranHere?: boolean;
  },
): DeliveryResult {
  const senderTotals = agg.total(from);
  const sent = senderTotals.sent;
  let received = 0;
  let unique = 0;
  let outOfOrder = 0;
  let duplicated = 0;
  if (mode === 'each') {
    for (const p of parts) {
      received += p.received;
      unique += p.unique;
      outOfOrder += p.outOfOrder;
      duplicated += p.duplicated;
    }
  }
  const perStream = mode === 'group' ? unionByStream(parts) : undefined;
  if (perStream) {
    for (const p of parts) {
      received += p.received;
      outOfOrder += p.outOfOrder;
    }
    for (const s of perStream.values()) unique += s.unique;
    duplicated = received - unique;
  }
  const members = mode === 'group' ? memberCounts(shards, to) : [];
  // Members that received nothing still shared the load (badly): count them as zeros.
  while (members.length < receiverCount) members.push(0);
  const multiplier = mode === 'each' ? receiverCount : 1;
  const fromGroup = groupByName(plan, from);
  const toGroup = groupByName(plan, to);
  const promise =
    fromGroup && toGroup
      ? promiseOf(fromGroup, toGroup, codesOf(agg.codes, to), codesOf(agg.codes, from))
      : UNKNOWN_PROMISE;
  const session =
    fromGroup && toGroup && declared
      ? sessionFigures(fromGroup, toGroup, parts, shards, sentByStream, promise, warmByStream)
      : {};
  const expected = declared ? (session.expected ?? sent * multiplier) : 0;
  const missing = Math.max(0, expected - unique);
  // Still in the peer's store (a queue) at the end: not received yet, but not lost either.
  const queued = declared ? Math.min(missing, held) : 0;
  const lost = missing - queued;
  // Messages in flight when a connection died and never resent may or may not have arrived: each
  // receiver may miss them without the broker breaking its promise. Resends after a reconnect
  // (DUP in a resumed session, republished) may arrive twice for the same reason.
  const inDoubt = declared ? Math.min(lost, senderTotals.inDoubt * multiplier) : 0;
  const resent = declared ? Math.min(duplicated, senderTotals.resent * multiplier) : 0;
  const violations: string[] = [];
  if (!declared) violations.push(`${to} received ${received} messages from ${from} without expecting them`);
  if (promise.noLoss && lost > inDoubt)
    violations.push(inDoubt > 0 ? `${lost - inDoubt} lost (besides ${inDoubt} in doubt)` : `${lost} lost`);
  if (promise.noDuplicates && duplicated > resent)
    violations.push(
      resent > 0 ? `${duplicated - resent} duplicated (besides ${resent} resent)` : `${duplicated} duplicated`,
    );
  if (declared && receiverCount === 0 && ranHere) violations.push(`no ${to} device subscribed`);
  const result: DeliveryResult = {
    from,
    to,
    mode,
    promise,
    receivers: receiverCount,
    sent,
    expected,
    received,
    unique,
    lost,
    duplicated,
    outOfOrder,
    lossRate: expected > 0 ? lost / expected : 0,
    queued,
    unsent: declared ? senderTotals.unsent : 0,
    inDoubt,
    resent,
    latency: latencyPair(agg, pairKey(from, to), HistogramKind.e2e, HistogramKind.e2eService),
    verdict: { kept: violations.length === 0, violations },
    ...(session.retained ? { retained: session.retained } : {}),
    ...(session.sessionQueued ? { sessionQueued: session.sessionQueued } : {}),
    ...streamIssues(
      plan,
      from,
      to,
      perStream,
      parts,
      shards,
      declared,
      sentByStream,
      session.startOf ?? ((_device, stream) => warmByStream.get(stream) ?? 0),
    ),
  };
  if (mode === 'group' && members.length > 0) result.spread = spread(members);
  return result;
}

function memberCounts(shards: DeliveryShard[], group: string): number[] {
  const counts = new Map<number, number>();
  for (const s of shards)
    for (const [device, n] of s.members[group] ?? []) counts.set(device, (counts.get(device) ?? 0) + n);
  return [...counts.values()];
}

function spread(counts: number[]): NonNullable<DeliveryResult['spread']> {
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  const variance = counts.reduce((a, b) => a + (b - mean) ** 2, 0) / counts.length;
  return {
    members: counts.length,
    min: Math.min(...counts),
    max: Math.max(...counts),
    mean: Math.round(mean * 100) / 100,
    cv: mean > 0 ? Math.round((Math.sqrt(variance) / mean) * 1000) / 1000 : 0,
  };
}

export function latencyPair(
  agg: Aggregator,
  owner: string,
  corrected: HistogramKind,
  service: HistogramKind,
): LatencyPair {
  const get = (kind: HistogramKind) => agg.histograms.get(histogramKey(owner, kind));
  const c = get(corrected);
  const s = get(service);
  const empty = { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, stddev: 0 };
  return { corrected: c ? summarize(c) : empty, service: s ? summarize(s) : empty };
}

/** The (stream, receiver) rows where messages were lost, duplicated or reordered. */
function streamIssues(
  plan: Plan,
  from: string,
  to: string,
  perStream: Map<number, StreamCounts> | undefined,
  parts: PairShard[],
  shards: DeliveryShard[],
  declared: boolean,
  sentByStream: Map<number, number>,
  startOf: (device: number, stream: number) => number = () => 0,
): { issues: StreamIssue[]; issueCount: number } {
  const fromIndex = groupByName(plan, from)?.index ?? -1;
  const name = (stream: number): string => `${plan.groups[streamFleet(stream)]?.name ?? '?'}#${streamDevice(stream)}`;
  const streams = [...sentByStream].filter(([stream]) => streamFleet(stream) === fromIndex);
  const issues: StreamIssue[] = [];
  // Called for up to MAX_COMBINATIONS (stream, receiver) pairs: a row is built only when something went wrong.
  const add = (
    stream: number,
    receiver: string,
    sent: number,
    received: number,
    lost: number,
    duplicated: number,
    outOfOrder: number,
  ): void => {
    if (lost > 0 || duplicated > 0 || outOfOrder > 0)
      issues.push({ stream: name(stream), receiver, sent, received, lost, duplicated, outOfOrder });
  };
  if (perStream) {
    const all = new Set([...streams.map(([s]) => s), ...perStream.keys()]);
    for (const stream of all) {
      const e = perStream.get(stream) ?? { unique: 0, received: 0, outOfOrder: 0 };
      const sent = declared ? Math.max(0, (sentByStream.get(stream) ?? 0) - startOf(0, stream)) : 0;
      add(stream, `${to} (group)`, sent, e.received, Math.max(0, sent - e.unique), e.received - e.unique, e.outOfOrder);
    }
  } else {
    const rows = new Map<number, NonNullable<PairShard['rows']>[number]>();
    for (const p of parts) for (const row of p.rows ?? []) rows.set(row[0] * 2 ** 32 + row[1], row);
    const devices = shards.flatMap((s) => s.receiverDevices[to] ?? []);
    const search = declared && devices.length * streams.length <= MAX_COMBINATIONS;
    if (search) {
      for (const device of devices) {
        const receiver = `${to}#${device}`;
        for (const [stream, all] of streams) {
          // A late subscriber expects each stream from where it joined.
          const sent = Math.max(0, all - startOf(device, stream));
          const row = rows.get(device * 2 ** 32 + stream);
          add(stream, receiver, sent, row?.[2] ?? 0, Math.max(0, sent - (row?.[3] ?? 0)), row?.[4] ?? 0, row?.[5] ?? 0);
        }
      }
    } else {
      // Too many combinations to search for loss (or nothing was expected): list what arrived wrongly.
      for (const [, row] of rows) {
        const sent = declared ? Math.max(0, (sentByStream.get(row[1]) ?? 0) - startOf(row[0], row[1])) : 0;
        add(row[1], `${to}#${row[0]}`, sent, row[2], declared ? Math.max(0, sent - row[3]) : 0, row[4], row[5]);
      }
    }
  }
  issues.sort((a, b) => b.lost - a.lost || b.duplicated - a.duplicated || b.outOfOrder - a.outOfOrder);
  return { issues: issues.slice(0, MAX_ISSUES), issueCount: issues.length };
}

/**
 * The promise for one pair. Across protocols (a bridge or gateway in between) each hop makes
 * its own promise: the sender's protocol up to the bridge, the receiver's from it. The path
 * keeps a guarantee only when both hops do; what the bridge itself does between them is not
 * promised by either protocol, so the label names both hops.
 */
/** The promise a hop keeps, judged by what each end saw (a sender's codes tell of acks of the wrong kind). */
function promiseOf(
  from: GroupPlan,
  to: GroupPlan,
  receiverCodes: CodeCounts,
  senderCodes: CodeCounts,
): DeliveryPromise {
  const sender = driverFor(from.protocol);
  const receiver = driverFor(to.protocol);
  if (!sender || !receiver) return UNKNOWN_PROMISE;
  if (from.protocol === to.protocol) return sender.promise(from.options, to.options, receiverCodes, senderCodes);
  const first = sender.promise(from.options, from.options, new Map(), senderCodes);
  const second = receiver.promise(to.options, to.options, receiverCodes);
  // Each hop by its short name (DeliveryPromise.short); the explanations are in each protocol's own label.
  const noLoss = first.noLoss && second.noLoss;
  const short = `${from.protocol} ${first.short} → ${to.protocol} ${second.short}`;
  return {
    label: `${short} (${noLoss ? 'each hop acknowledged' : 'best effort across the hop'})`,
    short,
    noLoss,
    noDuplicates: first.noDuplicates && second.noDuplicates,
  };
}

interface StreamCounts {
  unique: number;
  received: number;
  outOfOrder: number;
}

/** Group receivers: members may sit in different workers, so their seen-sets are unioned per stream. */
export function unionByStream(parts: PairShard[]): Map<number, StreamCounts> {
  const byStream = new Map<number, { seen: string[]; received: number; outOfOrder: number }>();
  for (const p of parts) {
    for (const [stream, seen, received, outOfOrder] of p.streams ?? []) {
      const e = byStream.get(stream) ?? { seen: [], received: 0, outOfOrder: 0 };
      e.seen.push(seen);
      e.received += received;
      e.outOfOrder += outOfOrder;
      byStream.set(stream, e);
    }
  }
  return new Map(
    [...byStream].map(([stream, e]) => [
      stream,
      { unique: unionSeenCount(e.seen), received: e.received, outOfOrder: e.outOfOrder },
    ]),
  );
}
