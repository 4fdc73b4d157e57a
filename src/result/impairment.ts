// One line per impaired target, for the console summary and the report: the link as set and
// what the proxy counted on it.
import { formatBytes, formatCount, formatDurationMs } from '../base/format.ts';
import type { DatagramCounts, ImpairmentResult, ImpairSpec } from '../impair/spec.ts';
import type { RunResult } from './types.ts';

export function impairmentLines(result: RunResult): string[] {
  return Object.entries(result.impairment ?? {}).map(([target, r]) => `impaired ${target}: ${impairmentText(r)}`);
}

export function impairmentText(r: ImpairmentResult): string {
  const parts = [`${specText(r.spec)} (${r.transport})`];
  if (r.stream) {
    const t = r.stream;
    parts.push(
      `${formatCount(t.connections)} connection${t.connections === 1 ? '' : 's'}, ${formatBytes(t.bytesUp)} up, ${formatBytes(t.bytesDown)} down`,
    );
    if (r.spec.resetsAtMs.length > 0) parts.push(`${t.resets} reset${t.resets === 1 ? '' : 's'}`);
    if (r.spec.blackholes.length > 0) parts.push(`${t.held} held through blackholes`);
    if (t.upstreamFailed > 0) parts.push(`${t.upstreamFailed} refused by the target`);
  }
  if (r.datagram) parts.push(`up ${countsText(r.datagram.up)}`, `down ${countsText(r.datagram.down)}`);
  if (r.spec.blackholes.length > 0) parts.push(`${formatDurationMs(Math.round(r.blackholedMs))} blackholed`);
  // The delays are only as exact as the proxy's thread was on time: say so when it was not.
  if (r.lateness.p50Ms > 1) parts.push(`sent ${r.lateness.p50Ms}ms late at p50 (busy machine)`);
  return parts.join('; ');
}

function specText(s: ImpairSpec): string {
  const out: string[] = [];
  if (s.latencyMs > 0 || s.jitterMs > 0)
    out.push(`+${formatDurationMs(s.latencyMs)}${s.jitterMs > 0 ? ` ±${formatDurationMs(s.jitterMs)}` : ''} each way`);
  if (s.loss > 0) out.push(`loss ${+(s.loss * 100).toFixed(3)}%`);
  if (s.bandwidthBytesPerS > 0) out.push(`${+((s.bandwidthBytesPerS * 8) / 1000).toFixed(1)}kbit/s`);
  for (const b of s.blackholes) out.push(`blackhole ${formatDurationMs(b.forMs)} at ${formatDurationMs(b.atMs)}`);
  for (const at of s.resetsAtMs) out.push(`reset at ${formatDurationMs(at)}`);
  return out.join(', ') || 'no impairment';
}

function countsText(c: DatagramCounts): string {
  const dropped = [`${formatCount(c.lost)} lost`];
  if (c.blackholed > 0) dropped.push(`${formatCount(c.blackholed)} blackholed`);
  return `${dropped.join(', ')} of ${formatCount(c.received)} datagrams, ${formatCount(c.repeats)} repeat${c.repeats === 1 ? '' : 's'}`;
}
