// Building the RunResult from the plan, the aggregated snapshots and the shards' delivery books.
import { availableParallelism, totalmem } from 'node:os';
import { round2 } from '../base/format.ts';
import { version } from '../base/version.ts';
import type { GroupPlan, Plan } from '../dsl/plan.ts';
import type { Aggregator } from '../metrics/aggregate.ts';
import { codesOf } from '../metrics/codes.ts';
import { addCounters, type GroupCounters } from '../metrics/counters.ts';
import type { DeliveryShard } from '../metrics/delivery.ts';
import { encodeHistogram, summarize } from '../metrics/histogram.ts';
import { HistogramKind, histogramKey } from '../metrics/names.ts';
import { projectPower } from '../power/project.ts';
import { addWire, emptyWire, type WireTotalsByKind } from '../power/wire.ts';
import type { UnreadMessages } from '../protocols/driver.ts';
import { type AnyDriver, driverFor, type ServerStats } from '../protocols/registry.ts';
import { type FleetResult, RESULT_SCHEMA, type RunResult, type TimelinePoint } from '../result/types.ts';
import { buildDelivery, latencyPair } from './build-delivery.ts';
import { buildWarmup, type WarmupInput } from './build-warmup.ts';
import { groupFigures } from './live.ts';
import type { DeviceBytes } from './protocol.ts';
import { sendRates, sendSummary, sumUnread } from './send-summary.ts';
import { shardSize } from './slices.ts';
import { warmGroup } from './warm-window.ts';

export interface BuildInput {
  plan: Plan;
  hash: string;
  agg: Aggregator;
  shards: DeliveryShard[];
  /** Per worker: per fleet byte extremes of single devices. */
  deviceBytes: Record<string, DeviceBytes>[];
  runId: string;
  seed: number;
  workers: number;
  /** Generator processes the workers ran in (processes.ts); 1 for a single-process run. */
  processes?: number;
  shard: { index: number; count: number };
  startedAt: Date;
  endedAt: Date;
  /** Actual send-phase length (shorter than planned when interrupted). */
  sendPhaseMs: number;
  partialReason: string | null;
  targets: Record<string, string>;
  /** Preflight failures of targets the run went on without. */
  warnings?: string[];
  /** Embedded servers' own counters, by protocol. */
  servers?: ServerStats;
  /** Per worker: per group packets and bytes by kind, for the power model. */
  wire?: Record<string, WireTotalsByKind>[];
  /** Per worker: per group what the peer had not been shown to read at close (absent for a group whose driver cannot tell). */
  unread?: (Record<string, UnreadMessages> | undefined)[];
  /** The scenario's warm-up window (build-warmup.ts). */
  warmup?: WarmupInput;
}

export function buildResult(input: BuildInput): RunResult {
  const { plan, agg } = input;
  agg.closeAll();
  const delivery = buildDelivery(plan, agg, input.shards, input.shard);
  const deliveredBy = new Map<string, number>();
  for (const d of delivery) deliveredBy.set(d.from, (deliveredBy.get(d.from) ?? 0) + d.unique);
  const extremes = (group: string): { minSent: number; maxSent: number; minReceived: number; maxReceived: number } => {
    const parts = input.deviceBytes.map((b) => b[group]).filter((b): b is DeviceBytes => b !== undefined);
    if (parts.length === 0) return { minSent: 0, maxSent: 0, minReceived: 0, maxReceived: 0 };
    return {
      minSent: Math.min(...parts.map((p) => p.minSent)),
      maxSent: Math.max(...parts.map((p) => p.maxSent)),
      minReceived: Math.min(...parts.map((p) => p.minReceived)),
      maxReceived: Math.max(...parts.map((p) => p.maxReceived)),
    };
  };
  const fleets: Record<string, FleetResult> = {};
  // Rates are over the measured part of the send phase: a warm-up kept apart is not in it.
  const warmMs = input.warmup && !input.warmup.included ? input.warmup.durationMs : 0;
  const seconds = Math.max(input.sendPhaseMs - warmMs, 1) / 1000;
  for (const g of plan.groups) {
    // A will group has no devices: its wills show as delivery rows only.
    if (g.kind === 'will') continue;
    const t = agg.total(g.name);
    // Bytes and the power model are not split by window: they go with every message (warm-up included).
    const all = withWarmup(agg, g.name);
    const ran = shardSize(g.count, input.shard);
    const latency: FleetResult['latency'] = {};
    const connect = agg.histograms.get(histogramKey(g.name, HistogramKind.connect));
    if (connect) latency.connect = summarize(connect);
    const lateness = agg.histograms.get(histogramKey(g.name, HistogramKind.sendLateness));
    if (lateness) latency.sendLateness = summarize(lateness);
    const reconnect = agg.histograms.get(histogramKey(g.name, HistogramKind.reconnect));
    if (reconnect) latency.reconnect = summarize(reconnect);
    if (agg.histograms.has(histogramKey(g.name, HistogramKind.ack)))
      latency.ack = latencyPair(agg, g.name, HistogramKind.ack, HistogramKind.ackService);
    if (agg.histograms.has(histogramKey(g.name, HistogramKind.rtt)))
      latency.rtt = latencyPair(agg, g.name, HistogramKind.rtt, HistogramKind.rttService);
    const driver = driverFor(g.protocol);
    for (const kind of Object.keys(driver?.latencies ?? {})) {
      const h = agg.histograms.get(histogramKey(g.name, kind));
      if (h) Object.assign(latency, { [kind]: summarize(h) });
    }
    const figures = groupFigures(agg, g.name, seconds);
    const unread = sumUnread(input.unread ?? [], g.name);
    fleets[g.name] = {
      kind: g.kind,
      protocol: g.protocol,
      target: g.target,
      count: g.count,
      devicesRun: ran,
      ...(g.publish ? { send: sendSummary(g.publish) } : {}),
      ...figures,
      rates: sendRates(t, unread, seconds),
      ...(unread ? { unread } : {}),
      bytes: {
        sent: t.bytesSent,
        received: t.bytesReceived,
        sentPerMessage: all.sent > 0 ? round2(t.bytesSent / all.sent) : null,
        receivedPerMessage: all.received > 0 ? round2(t.bytesReceived / all.received) : null,
        sentPerDelivered:
          (deliveredBy.get(g.name) ?? 0) > 0 ? round2(t.bytesSent / (deliveredBy.get(g.name) as number)) : null,
        perDevice: {
          sent: ran > 0 ? round2(t.bytesSent / ran) : 0,
          received: ran > 0 ? round2(t.bytesReceived / ran) : 0,
          ...extremes(g.name),
        },
      },
      latency,
    };
    const fleet = fleets[g.name] as FleetResult;
    if (g.power) {
      const wire = (input.wire ?? []).reduce(
        (sum, w) => (w[g.name] ? addWire(sum, w[g.name] as WireTotalsByKind) : sum),
        emptyWire(),
      );
      fleet.wire = wire;
      fleet.power = powerOf(g, all, wire, ran, Math.max(input.sendPhaseMs, 1) / 1000, input.targets[g.target] ?? '', {
        ackMeanUs: latency.ack?.service.count ? latency.ack.service.mean : undefined,
        connectMeanUs: latency.connect?.count ? latency.connect.mean : undefined,
      });
    }
    const block = driver?.block?.({
      codes: codesOf(agg.codes, g.name),
      bytes: { sent: t.bytesSent, received: t.bytesReceived },
      options: g.options,
    });
    if (block !== undefined) Object.assign(fleet, { [g.protocol]: block });
  }
  const timeline: TimelinePoint[] = [...agg.buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, b]) => ({
      t: b.t,
      phase: b.phase,
      fleets: Object.fromEntries(
        Object.entries(b.counters)
          .filter(([g]) => fleets[g] !== undefined)
          .map(([g, c]) => [
            g,
            {
              connected: c.connected,
              // The timeline shows the load as offered: the warm-up's messages too.
              sent: c.sent + (b.counters[warmGroup(g)]?.sent ?? 0),
              acked: c.acked + (b.counters[warmGroup(g)]?.acked ?? 0),
              received: c.received + (b.counters[warmGroup(g)]?.received ?? 0),
              dropped: c.dropped,
              errors: c.errors,
              disconnects: c.disconnects,
              unsent: c.unsent,
            },
          ]),
      ),
      latency: b.latency,
    }));
  return {
    schema: RESULT_SCHEMA,
    scenario: { name: plan.name, file: plan.file, hash: input.hash },
    run: {
      id: input.runId,
      startedAt: input.startedAt.toISOString(),
      endedAt: input.endedAt.toISOString(),
      elapsedMs: input.endedAt.getTime() - input.startedAt.getTime(),
      durationMs: plan.durationMs,
      partial: input.partialReason !== null,
      partialReason: input.partialReason,
      seed: input.seed,
      workers: input.workers,
      processes: input.processes ?? 1,
      shard: input.shard,
    },
    environment: {
      fleetbench: version,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: availableParallelism(),
      memoryBytes: totalmem(),
    },
    targets: input.targets,
    fleets,
    delivery,
    warnings: input.warnings ?? [],
    servers: input.servers ?? {},
    errors: [...agg.errors.values()].sort((a, b) => b.count - a.count),
    thresholds: [],
    codes: Object.fromEntries([...agg.codes].sort(([a], [b]) => a.localeCompare(b))),
    timeline,
    histograms: Object.fromEntries([...agg.histograms].map(([k, h]) => [k, encodeHistogram(h)])),
    ...(input.warmup ? { warmup: buildWarmup(plan, agg, input.warmup, input.shards, input.shard) } : {}),
  };
}

/** A fleet's totals with its warm-up's messages added back: what its bytes went with. */
function withWarmup(agg: Aggregator, group: string): GroupCounters {
  const all = { ...agg.total(group) };
  const warm = agg.totals.get(warmGroup(group));
  if (warm) addCounters(all, { ...warm, connected: 0 });
  return all;
}

/** The power estimate of a fleet that declares `power`; null when it exchanged no message to price. */
function powerOf(
  g: GroupPlan,
  t: GroupCounters,
  wire: WireTotalsByKind,
  devices: number,
  sendPhaseS: number,
  target: string,
  times: { ackMeanUs: number | undefined; connectMeanUs: number | undefined },
): FleetResult['power'] {
  const power = g.power;
  const messages = t.sent + t.received;
  const driver = driverFor(g.protocol);
  if (!power || !driver || devices === 0) return null;
  // A device that only keeps its connection alive is priced by its keepalives and floor.
  if (messages === 0 && (power.session === 'sleep' || t.connects === 0)) return null;
  const schedule = g.publish?.schedule;
  // One report per message: the schedule's interval per device, or the measured one.
  const reportIntervalS =
    schedule?.kind === 'every'
      ? schedule.intervalUs / 1e6
      : schedule?.kind === 'poisson'
        ? 1 / schedule.ratePerS
        : messages > 0
          ? (devices * sendPhaseS) / messages
          : sendPhaseS;
  const own = driver?.keepalive?.(g.options);
  const keepalive =
    power.keepaliveS === undefined
      ? own
      : power.keepaliveS > 0
        ? { intervalS: power.keepaliveS, txBytes: own?.txBytes ?? 0, rxBytes: own?.rxBytes ?? 0 }
        : undefined;
  return projectPower(
    {
      transport: driver.transport,
      tls: isSecure(driver, target),
      devices,
      wire,
      messages,
      acked: t.acked,
      ackMeanS: times.ackMeanUs === undefined ? undefined : times.ackMeanUs / 1e6,
      connectMeanS: times.connectMeanUs === undefined ? undefined : times.connectMeanUs / 1e6,
      reportIntervalS,
      keepalive,
    },
    power,
  );
}

/** Whether `target` uses one of the driver's encrypted schemes (Driver.secureSchemes). */
function isSecure(driver: AnyDriver | undefined, target: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(target)?.[1]?.toLowerCase();
  return scheme !== undefined && (driver?.secureSchemes.includes(scheme) ?? false);
}
