// The report's charts of devices connected over time for each group that lost connections, with
// its outages marked: the seconds in which connections were lost, and the seconds in which
// fewer devices were connected than had been at once before (a device that never connected is
// the connect phase's story, not an outage).
import { hadOutage } from '../result/outages.ts';
import type { RunResult, TimelinePoint } from '../result/types.ts';
import { type ChartSpec, COLORS, type OutageMark, type PhaseBand } from './data.ts';

/** Consecutive marked points as one band each, widened by half an interval so they meet. */
function spans(t: readonly number[], on: readonly boolean[], interval: number, kind: OutageMark['kind']): OutageMark[] {
  const out: OutageMark[] = [];
  let open: OutageMark | undefined;
  for (let i = 0; i < t.length; i++) {
    const x = t[i] as number;
    if (!on[i]) {
      open = undefined;
      continue;
    }
    if (open) open.to = x + interval / 2;
    else {
      open = { kind, from: x - interval / 2, to: x + interval / 2 };
      out.push(open);
    }
  }
  return out;
}

/** The outage bands of one group: where it lost connections, and where it was below its best so far. */
export function outageMarks(
  timeline: readonly TimelinePoint[],
  group: string,
  devices: number,
  interval: number,
): OutageMark[] {
  const t = timeline.map((p) => p.t);
  const connected = timeline.map((p) => p.fleets[group]?.connected ?? 0);
  const lost = timeline.map((p) => (p.fleets[group]?.disconnects ?? 0) > 0);
  let full = false;
  const down = connected.map((c) => {
    if (c >= devices) full = true;
    return full && c < devices;
  });
  return [...spans(t, down, interval, 'down'), ...spans(t, lost, interval, 'loss')];
}

/** One chart per group with an outage (in the result or in its timeline): devices connected, of how many. */
export function outageCharts(
  result: RunResult,
  fleets: readonly string[],
  interval: number,
  bands: PhaseBand[],
): ChartSpec[] {
  const timeline = result.timeline ?? [];
  const t = timeline.map((p) => p.t);
  const charts: ChartSpec[] = [];
  fleets.forEach((group, i) => {
    const f = result.fleets[group];
    const lostInTimeline = timeline.some((p) => (p.fleets[group]?.disconnects ?? 0) > 0);
    if (!lostInTimeline && !(f && hadOutage(f))) return;
    const connected = timeline.map((p) => p.fleets[group]?.connected ?? 0);
    const devices = f?.devicesRun ?? Math.max(0, ...connected);
    charts.push({
      id: `t-out${charts.length}`,
      kind: 'time',
      title: `${group}: devices connected, outages marked`,
      y: 'devices',
      x: t,
      series: [
        { label: 'connected', color: COLORS[i % COLORS.length] as string, dash: false, values: connected },
        { label: 'devices', color: '#475569', dash: true, values: t.map(() => devices) },
      ],
      bands,
      marks: outageMarks(timeline, group, devices, interval),
    });
  });
  return charts;
}
