// A compact Markdown verdict of a run for a CI job summary or a pull-request comment: pass or
// fail with what failed, the thresholds, each group's sent/received/loss/p99, the groups that
// lost connections, the errors and where the run's files are. Also the same verdict for a run
// that ended in an error.
import { formatCount, formatUs } from '../base/format.ts';
import { outageLine, outageRows } from './outages.ts';
import { senderLatency } from './senders.ts';
import { shardLines } from './shard-lines.ts';
import type { RunResult } from './types.ts';
import { unreadLines, unreadSuffix } from './unread.ts';
import { type FailedCheck, failedChecks } from './verdict.ts';

/** The files a run wrote, by name; absent ones are left out. */
export interface OutputFiles {
  results?: string;
  report?: string;
  junit?: string;
}

/** How many error rows the summary lists; results.json has them all. */
const MAX_ERRORS = 10;

export function runMarkdown(result: RunResult, files: OutputFiles = {}, failed = failedChecks(result)): string {
  const { run } = result;
  const verdict =
    failed.length === 0 ? '✅ passed' : `❌ FAILED (${failed.length} failed check${failed.length === 1 ? '' : 's'})`;
  const out = [
    `### fleetbench \`${code(result.scenario.name)}\`: ${verdict}`,
    '',
    [
      `\`${code(result.scenario.file)}\``,
      `run \`${code(run.id)}\``,
      `${run.startedAt.slice(0, 19).replace('T', ' ')} UTC`,
      `${(run.elapsedMs / 1000).toFixed(1)} s on ${run.workers} worker(s)`,
      `fleetbench ${result.environment.fleetbench}`,
    ].join(' · '),
    '',
    ...shardLines(result).flatMap((l) => [l, '']),
  ];
  if (failed.length > 0) out.push(...failedList(failed), '');
  const thresholds = result.thresholds ?? [];
  if (thresholds.length > 0) {
    out.push(
      ...mdTable(
        ['threshold', 'expression', 'measured', 'limit', 'verdict'],
        ['l', 'l', 'r', 'r', 'c'],
        thresholds.map((t) => [t.key, `\`${code(t.expression)}\``, t.actualText, t.limitText, t.passed ? '✅' : '❌']),
      ),
      '',
    );
  }
  const groups = Object.keys(result.fleets);
  if (groups.length > 0)
    out.push(
      ...mdTable(
        ['group', 'kind', 'connected', 'sent', 'received', 'loss', 'p99', 'errors'],
        ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
        groups.map((g) => groupRow(result, g)),
      ),
      '',
    );
  const unread = unreadLines(result);
  if (unread.length > 0)
    out.push(
      'Sent (written to the kernel) but unread by the peer at close:',
      ...unread.map((u) => `- ${cell(u.text)}`),
      '',
    );
  const outages = outageRows(result);
  if (outages.length > 0)
    out.push(
      'Connections lost:',
      ...outages.map((r) => `- ${r.unrecovered > 0 ? '❌ ' : ''}**${cell(r.group)}**: ${outageLine(r)}`),
      '',
    );
  if (result.errors.length > 0) {
    out.push(
      ...mdTable(
        ['errors', 'code', 'count', 'first message'],
        ['l', 'l', 'r', 'l'],
        result.errors
          .slice(0, MAX_ERRORS)
          .map((e) => [e.group, `\`${code(e.code)}\``, String(e.count), oneLine(e.message)]),
      ),
    );
    if (result.errors.length > MAX_ERRORS)
      out.push('', `… and ${result.errors.length - MAX_ERRORS} more error code(s) in results.json`);
    out.push('');
  }
  for (const w of result.warnings) out.push(`> warning: ${oneLine(w)}`, '');
  out.push(...filesLine(files));
  return `${out.join('\n').trimEnd()}\n`;
}

/** The verdict of a run that ended in an error (bad target, unreachable peer, bad scenario). */
export function errorMarkdown(
  failure: { scenario: string; file: string; message: string; exitCode: number },
  files: OutputFiles = {},
): string {
  return `${[
    `### fleetbench \`${code(failure.scenario)}\`: ❌ ERROR (exit ${failure.exitCode})`,
    '',
    `\`${code(failure.file)}\`: the run did not complete:`,
    '',
    '```',
    failure.message.replace(/```/g, "'''"),
    '```',
    '',
    ...filesLine(files),
  ]
    .join('\n')
    .trimEnd()}\n`;
}

function failedList(failed: readonly FailedCheck[]): string[] {
  return failed.map((f) => `- **${cell(f.name)}**${f.group ? ` (${cell(f.group)})` : ''}: ${oneLine(f.message)}`);
}

function groupRow(result: RunResult, name: string): string[] {
  const f = result.fleets[name];
  if (!f) return [name];
  // Loss as its receivers saw a sender's messages, or as a receiver saw what was meant for it.
  const from = result.delivery.filter((d) => d.from === name);
  const rows = from.length > 0 ? from : result.delivery.filter((d) => d.to === name);
  const expected = rows.reduce((s, d) => s + d.expected, 0);
  const lost = rows.reduce((s, d) => s + d.lost, 0);
  const loss = expected > 0 ? `${+((100 * lost) / expected).toFixed(3)}% (${formatCount(lost)})` : '-';
  const errors = result.errors.filter((e) => e.group === name).reduce((s, e) => s + e.count, 0);
  return [
    name,
    `${f.kind}/${f.protocol}`,
    `${f.devices.peakConnected}/${f.devicesRun}`,
    `${formatCount(f.messages.sent)}${unreadSuffix(f)}`,
    formatCount(f.messages.received),
    loss,
    p99(result, name),
    String(errors),
  ];
}

/** A group's headline p99 (corrected): end to end or ack as a sender, round trip, or end to end as a receiver. */
function p99(result: RunResult, name: string): string {
  const sender = senderLatency(result, name);
  if (sender) return `${formatUs(sender.summary.p99)} (${sender.source})`;
  const rtt = result.fleets[name]?.latency.rtt;
  if (rtt) return `${formatUs(rtt.corrected.p99)} (rtt)`;
  const to = result.delivery.filter((d) => d.to === name && d.latency.corrected.count > 0);
  if (to.length === 0) return '-';
  return `${formatUs(Math.max(...to.map((d) => d.latency.corrected.p99)))} (e2e)`;
}

function filesLine(files: OutputFiles): string[] {
  const named = Object.entries(files).filter(([, path]) => path !== undefined);
  if (named.length === 0) return [];
  const names: Record<string, string> = { results: 'results.json', report: 'report.html', junit: 'junit.xml' };
  return ['Files:', ...named.map(([k, path]) => `- ${names[k] ?? k}: \`${code(path as string)}\``)];
}

/** A Markdown table's lines, cells kept to one line with pipes escaped. */
export function mdTable(headers: string[], align: ('l' | 'r' | 'c')[], rows: string[][]): string[] {
  const rule = align.map((a) => (a === 'r' ? '---:' : a === 'c' ? ':---:' : '---'));
  const line = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(headers), `|${rule.join('|')}|`, ...rows.map(line)];
}

/** Table cell text: one line, pipes escaped. */
function cell(s: string): string {
  return oneLine(s).replace(/\|/g, '\\|');
}

function oneLine(s: string): string {
  const first = s.replace(/\r?\n/g, ' ').trim();
  return first.length > 300 ? `${first.slice(0, 299)}…` : first;
}

/** Text inside a code span: no backticks, which would end it. */
function code(s: string): string {
  return s.replace(/`/g, "'");
}
