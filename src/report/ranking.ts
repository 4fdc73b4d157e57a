// The protocol comparison: sending fleets that do the same work (the shoot-out's fleets, or any
// two or more fleets sending at the same per-device interval with the same number of devices),
// ranked by battery life when every one declares `power` (bands that overlap tie, see
// src/power/rank.ts), else by p99 latency.

import type { LatencySummary } from '../metrics/histogram.ts';
import { rankWithTies, sameLink } from '../power/rank.ts';
import { senderDelivery } from '../result/senders.ts';
import type { FleetResult, RunResult } from '../result/types.ts';

export interface Contender {
  fleet: string;
  result: FleetResult;
  /** Seconds between one device's messages: the power model's report interval, or devices / rate. */
  intervalS: number;
  /** End to end (the worst p99 over its receivers) when delivered, else publish → ack; corrected. */
  latency: { source: 'e2e' | 'ack'; summary: LatencySummary } | undefined;
  delivery: { expected: number; unique: number; lost: number; kept: boolean } | undefined;
}

/** Where a contender stands: its competition rank, whether it shares it, and its tie group. */
export interface Place {
  rank: number;
  tied: boolean;
  group: number;
}

export interface Ranking {
  by: 'battery' | 'latency';
  intervalS: number;
  devices: number;
  /** Best first. */
  rows: Contender[];
  /** One per row: by battery life, fleets whose bands overlap share a rank; by latency, 1, 2, 3. */
  places: Place[];
}

/** Relative tolerance for "the same schedule": Poisson and jittered rates wander a little. */
const SAME_INTERVAL = 0.05;

function contenders(result: RunResult): Contender[] {
  const out: Contender[] = [];
  for (const [fleet, f] of Object.entries(result.fleets)) {
    if (f.kind !== 'fleet' || f.messages.sent === 0) continue;
    const intervalS = f.power
      ? f.power.perReport.intervalS
      : f.rates.sentPerS > 0
        ? f.devicesRun / f.rates.sentPerS
        : 0;
    if (!(intervalS > 0)) continue;
    const rows = result.delivery.filter((d) => d.from === fleet);
    const worst = rows
      .map((d) => d.latency.corrected)
      .filter((l) => l.count > 0)
      .sort((a, b) => b.p99 - a.p99)[0];
    const ack = f.latency.ack?.corrected;
    const latency = worst
      ? { source: 'e2e' as const, summary: worst }
      : ack && ack.count > 0
        ? { source: 'ack' as const, summary: ack }
        : undefined;
    const sent = senderDelivery(result, fleet);
    const delivery = sent && { expected: sent.expected, unique: sent.unique, lost: sent.lost, kept: sent.kept };
    out.push({ fleet, result: f, intervalS, latency, delivery });
  }
  return out;
}

/** Groups of ≥ 2 comparable fleets, each ranked best first. */
export function rankings(result: RunResult): Ranking[] {
  const pool = contenders(result).sort((a, b) => a.intervalS - b.intervalS);
  const groups: Contender[][] = [];
  for (const c of pool) {
    const group = groups.find((g) => {
      const first = g[0] as Contender;
      return (
        first.result.devicesRun === c.result.devicesRun &&
        Math.abs(first.intervalS - c.intervalS) <= SAME_INTERVAL * Math.max(first.intervalS, c.intervalS)
      );
    });
    if (group) group.push(c);
    else groups.push([c]);
  }
  return groups
    .filter((g) => g.length >= 2)
    .map((g) => {
      const first = g[0] as Contender;
      const common = { intervalS: first.intervalS, devices: first.result.devicesRun };
      if (g.every((c) => c.result.power)) {
        const ranked = rankWithTies(
          g,
          (c) => c.result.power?.band.batteryLifeDays ?? [0, 0],
          (c) => c.result.power?.batteryLifeDays ?? 0,
          'higher',
          (a, b) => sameLink(a.result.power, b.result.power),
        );
        return {
          by: 'battery' as const,
          ...common,
          rows: ranked.map((r) => r.item),
          places: ranked.map(({ rank, tied, group }) => ({ rank, tied, group })),
        };
      }
      const rows = [...g].sort((a, b) => (a.latency?.summary.p99 ?? Infinity) - (b.latency?.summary.p99 ?? Infinity));
      return {
        by: 'latency' as const,
        ...common,
        rows,
        places: rows.map((_, i) => ({ rank: i + 1, tied: false, group: i })),
      };
    });
}

/** The battery-life place of every fleet that declares power and has comparable peers. */
export function powerPlaces(result: RunResult): Map<string, Place> {
  const out = new Map<string, Place>();
  for (const r of rankings(result))
    if (r.by === 'battery')
      r.rows.forEach((c, i) => {
        out.set(c.fleet, r.places[i] as Place);
      });
  return out;
}
