// The end-of-run summary printed to stdout: fleets, lost connections, delivery verdicts, errors.
import { formatBytes, formatCount, formatUs } from '../base/format.ts';
import { impairmentLines } from '../result/impairment.ts';
import { allowancesUsed } from '../result/outages.ts';
import { storedLines } from '../result/stored.ts';
import { protocolTables } from '../result/tables.ts';
import type { DeliveryResult, RunResult } from '../result/types.ts';
import { unreadLines, unreadSuffix } from '../result/unread.ts';
import { warmupLines } from '../result/warmup-lines.ts';
import { failedHealth } from '../thresholds/health.ts';
import { connectionsLines } from './connections.ts';
import { table, wrap } from './format.ts';
import { powerTable } from './power-table.ts';

/** The summary, every line at most `maxWidth` columns (tables wrap or stack, text wraps). */
export function summary(result: RunResult, maxWidth = Infinity): string {
  const out: string[] = [];
  const { run } = result;
  out.push(
    `${result.scenario.name}: ${run.partial ? `PARTIAL run — ${run.partialReason}` : 'completed'} in ${(run.elapsedMs / 1000).toFixed(1)}s on ${run.workers} worker(s)${(run.processes ?? 1) > 1 ? ` in ${run.processes} processes` : ''}`,
  );
  out.push(
    `targets: ${Object.entries(result.targets)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );
  out.push(...impairmentLines(result));
  out.push(...warmupLines(result));
  for (const w of result.warnings ?? []) out.push(`warning: ${w.split('\n')[0]} (the run went on without it)`);
  for (const h of failedHealth(result)) out.push(`HEALTH FAILED ${h.name}: ${h.message}`);
  out.push('');
  const fleetRows = Object.entries(result.fleets).map(([name, f]) => [
    name,
    `${f.kind}/${f.protocol}`,
    `${f.devices.peakConnected}/${f.devicesRun}`,
    f.latency.connect ? formatUs(f.latency.connect.p99) : '-',
    formatCount(f.messages.sent),
    // What the peer read per second; what it had not been shown to read at close is beside it.
    f.messages.sent ? `${f.rates.sentPerS}/s${unreadSuffix(f)}` : '-',
    formatCount(f.messages.received),
    `${formatCount(f.messages.dropped)}/${formatCount(f.messages.late)}`,
    f.latency.ack ? `${formatUs(f.latency.ack.corrected.p50)} / ${formatUs(f.latency.ack.corrected.p99)}` : '-',
    f.latency.rtt ? `${formatUs(f.latency.rtt.corrected.p50)} / ${formatUs(f.latency.rtt.corrected.p99)}` : '-',
    f.bytes.sentPerMessage === null ? '-' : formatBytes(f.bytes.sentPerMessage),
    formatBytes(f.bytes.perDevice.sent + f.bytes.perDevice.received),
  ]);
  const oversize = Object.entries(result.fleets).filter(([, f]) => f.messages.oversize > 0);
  out.push(
    table(
      [
        'fleet',
        'kind',
        'conn',
        'conn p99',
        'sent',
        'rate',
        'recv',
        'drop/late',
        'ack p50/p99',
        'rtt p50/p99',
        'B/msg out',
        'B/device',
      ],
      fleetRows,
      [],
      maxWidth,
    ),
  );
  // Not a failure below the generator_saturated bound, but the corrected latencies include it.
  for (const [name, f] of Object.entries(result.fleets).filter(([, x]) => x.messages.late > 0.25 * x.messages.sent))
    out.push(
      `  ${name}: ${Math.round((100 * f.messages.late) / f.messages.sent)}% of sends fired late (send lateness p99 ${formatUs(f.latency.sendLateness?.p99 ?? 0)}): corrected latencies include the generator's own delay`,
    );
  for (const [name, f] of oversize)
    out.push(
      `  ${name}: ${f.messages.oversize} of ${f.messages.sent} payloads were larger than the configured size (raise payload size)`,
    );
  for (const line of unreadLines(result)) out.push(`  ${line.text}`);
  const connections = connectionsLines(result, maxWidth);
  if (connections.length > 0) out.push('', ...connections);
  if (result.delivery.length > 0) {
    out.push('');
    // Sends not made while a sender was down are neither expected nor lost: shown when there are any.
    const unsent = result.delivery.some((d) => (d.unsent ?? 0) > 0);
    // Messages the peer still held at the end (a queue's depth) are neither received nor lost.
    const queued = result.delivery.some((d) => (d.queued ?? 0) > 0);
    const rows = result.delivery.map((d) => [
      `${d.from} → ${d.to}${d.mode === 'group' ? ` (group of ${d.receivers})` : d.receivers !== 1 ? ` (×${d.receivers})` : ''}`,
      d.promise.label,
      ...(unsent ? [formatCount(d.unsent ?? 0)] : []),
      formatCount(d.expected),
      formatCount(d.unique),
      formatCount(d.lost),
      ...(queued ? [formatCount(d.queued ?? 0)] : []),
      formatCount(d.duplicated),
      formatCount(d.outOfOrder),
      // Rows without latencies (Last Wills carry no send time) show none rather than zeros.
      d.latency.corrected.count === 0
        ? '-'
        : `${formatUs(d.latency.corrected.p50)} / ${formatUs(d.latency.corrected.p99)} / ${formatUs(d.latency.corrected.max)}`,
      d.latency.service.count === 0 ? '-' : `${formatUs(d.latency.service.p99)}`,
      deliveryVerdict(d),
    ]);
    out.push(
      table(
        [
          'delivery',
          'promise',
          ...(unsent ? ['unsent'] : []),
          'expected',
          'received',
          'lost',
          ...(queued ? ['queued'] : []),
          'dup',
          'reorder',
          'e2e p50/p99/max',
          'service p99',
          'verdict',
        ],
        rows,
        ['l', 'l'],
        maxWidth,
      ),
    );
    for (const d of result.delivery.filter((x) => x.issueCount > 0)) {
      const worst = d.issues
        .slice(0, 3)
        .map(
          (i) =>
            `${i.stream} → ${i.receiver}: ${[i.lost && `${i.lost}/${i.sent} lost`, i.duplicated && `${i.duplicated} dup`, i.outOfOrder && `${i.outOfOrder} reordered`].filter(Boolean).join(', ')}`,
        );
      out.push(
        `  ${d.from} → ${d.to}: ${d.issueCount} stream/receiver pair(s) with problems, e.g. ${worst.join('; ')}`,
      );
    }
    // Retained and session-queued deliveries: rows of their own, outside the counts above.
    for (const line of result.delivery.flatMap(storedLines)) out.push(`  ${line.text}${line.short ? ' ✗' : ''}`);
    const spread = result.delivery.filter((d) => d.spread && d.spread.members > 1);
    for (const d of spread) {
      const s = d.spread as NonNullable<typeof d.spread>;
      out.push(`  ${d.to}: ${s.members} members took ${s.min}–${s.max} messages each (mean ${s.mean}, cv ${s.cv})`);
    }
  }
  for (const t of protocolTables(result)) {
    out.push('');
    out.push(
      table(
        [t.protocol, ...t.columns.map((c) => c.label)],
        t.rows.map((r) => [r.group, ...r.cells]),
        ['l', ...t.columns.map((c) => c.align ?? 'r')],
        maxWidth,
      ),
    );
  }
  const power = powerTable(result, maxWidth);
  if (power) out.push('', power);
  if (result.errors.length > 0) {
    out.push('');
    out.push(
      table(
        ['errors', 'code', 'count', 'first message'],
        result.errors.slice(0, 12).map((e) => [e.group, e.code, String(e.count), e.message.split('\n')[0] ?? '']),
        ['l', 'l', 'r', 'l'],
        maxWidth,
      ),
    );
  }
  const thresholds = result.thresholds ?? [];
  if (thresholds.length > 0) {
    out.push('');
    const rows = thresholds.map((t) => [
      t.key,
      t.expression,
      t.actualText,
      t.passed ? '✓' : `✗ ${t.actual === null ? t.message : `limit ${t.limitText}`}`,
    ]);
    out.push(table(['threshold', 'expression', 'measured', 'verdict'], rows, ['l', 'l', 'r', 'l'], maxWidth));
    const failed = thresholds.filter((t) => !t.passed).length;
    out.push(
      failed === 0
        ? `thresholds: all ${thresholds.length} passed`
        : `thresholds: ${failed} of ${thresholds.length} FAILED`,
    );
  }
  const health = result.health ?? [];
  const sick = failedHealth(result);
  if (health.length > 0)
    out.push(
      sick.length === 0
        ? `health: all ${health.length} checks passed`
        : `health: ${sick.length} of ${health.length} FAILED (${sick.map((h) => h.name).join(', ')})`,
    );
  // Tables already fit; free text (header, warnings, notes) wraps.
  return out
    .join('\n')
    .split('\n')
    .map((line) => wrap(line, maxWidth))
    .join('\n');
}

/** ✓ or ✗ with the violations, and the outage allowances the row used ('3 in doubt', '2 resent'). */
function deliveryVerdict(d: DeliveryResult): string {
  const notes = allowancesUsed(d);
  if (d.verdict.kept) return notes.length > 0 ? `✓ ${notes.join(', ')}` : '✓';
  return `✗ ${[...d.verdict.violations, ...notes].join(', ')}`;
}
