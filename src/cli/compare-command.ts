// `fleetbench compare <baseline> <candidate>`: two results side by side, per fleet, and exit 1
// when a gated metric regressed by more than --max-regression allows (loss, errors and broken
// promises are always gated unless named), or, with --strict, when the two setups differ.
import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { ErrorCodes, errorMessage, FleetbenchError } from '../base/errors.ts';
import { formatBytes, formatEnergymJ, formatUs } from '../base/format.ts';
import { parseDuration } from '../base/units.ts';
import {
  type Comparison,
  type ComparisonRow,
  compareResults,
  DEFAULT_GATES,
  gateLimits,
  parseMaxRegression,
} from '../compare/compare.ts';
import { mdTable } from '../result/markdown.ts';
import { readResult } from '../result/read.ts';
import type { RunResult } from '../result/types.ts';
import { writeMarkdown } from './ci-outputs.ts';
import { ExitCode } from './exit-codes.ts';
import { table, terminalWidth } from './format.ts';

export interface CompareArgs {
  baseline: string;
  candidate: string;
  maxRegression: string | undefined;
  latencyFloor: string | undefined;
  strict: boolean;
  json: string | undefined;
  summaryMd?: string | undefined;
}

export const compareCommand = {
  command: 'compare <baseline> <candidate>',
  describe: 'Compare two results side by side; exit 1 when the candidate regressed',
  builder: (y: Argv) =>
    y
      .positional('baseline', {
        type: 'string',
        demandOption: true,
        describe: 'Baseline results.json (or its run folder)',
      })
      .positional('candidate', {
        type: 'string',
        demandOption: true,
        describe: 'Candidate results.json (or its run folder)',
      })
      .option('max-regression', {
        type: 'string',
        describe: `Allowed regression per metric: p50 p90 p99 p999 max throughput received loss errors bytes energy promises, e.g. p99=10%,loss=off (default ${DEFAULT_GATES.single.spec}, or ${DEFAULT_GATES.repeated.spec} when both results come from run --repeat; loss=0.1%, errors=0% and promises are gated unless named)`,
      })
      .option('latency-floor', {
        type: 'string',
        describe: `A latency must also get worse by more than this to fail its gate (default ${DEFAULT_GATES.single.floorUs / 1000}ms, or ${DEFAULT_GATES.repeated.floorUs / 1000}ms when both results come from run --repeat)`,
      })
      .option('strict', {
        type: 'boolean',
        default: false,
        describe: 'Fail (exit 1) when the runs differ in scenario, counts, schedules, targets, versions or environment',
      })
      .option('json', { type: 'string', describe: 'Also write the comparison as JSON to this file' })
      .option('summary-md', {
        type: 'string',
        describe: 'Write a Markdown verdict to this file (also appended to $GITHUB_STEP_SUMMARY when set)',
      }),
};

export async function compareHandler(args: CompareArgs): Promise<number> {
  // The option first: a typo there should not wait for two large files to be read.
  if (args.maxRegression !== undefined) parseMaxRegression(args.maxRegression);
  const floor = args.latencyFloor === undefined ? undefined : parseFloor(args.latencyFloor);
  const baseline = readResult(args.baseline);
  const candidate = readResult(args.candidate);
  const repeated = baseline.repeat !== undefined && candidate.repeat !== undefined;
  const limits = gateLimits(args.maxRegression, repeated);
  const latencyFloorUs = floor ?? DEFAULT_GATES[repeated ? 'repeated' : 'single'].floorUs;
  const comparison = compareResults(baseline, candidate, limits, { latencyFloorUs });
  for (const w of comparison.warnings) process.stderr.write(`fleetbench: warning: ${w}\n`);
  const out: string[] = [];
  for (const [label, file, r] of [
    ['baseline: ', args.baseline, baseline],
    ['candidate:', args.candidate, candidate],
  ] as const) {
    const runs = r.repeat ? `, median of ${r.repeat.runs} runs` : '';
    out.push(
      `${label} ${file} (${r.scenario.name}, sha256 ${r.scenario.hash}, run ${r.run.id}, ${r.run.startedAt}${runs})`,
    );
  }
  for (const w of comparison.warnings) out.push(`warning: ${w}`);
  out.push('');
  const lines: string[][] = [];
  let previous: string | undefined;
  for (const row of comparison.rows) {
    if (previous !== undefined && row.fleet !== previous) lines.push([]);
    lines.push([
      row.fleet === previous ? '' : row.fleet,
      label(row),
      value(row, row.baseline, row.baselineSpread),
      value(row, row.candidate, row.candidateSpread),
      change(row),
      limit(row),
      check(row),
    ]);
    previous = row.fleet;
  }
  out.push(
    table(
      ['fleet', 'metric', 'baseline', 'candidate', 'change', 'limit', ''],
      lines,
      ['l', 'l', 'r', 'r', 'r', 'r', 'l'],
      terminalWidth(process.stdout),
    ),
  );
  if (comparison.onlyInBaseline.length > 0)
    out.push(`only in the baseline (not compared): ${comparison.onlyInBaseline.join(', ')}`);
  if (comparison.onlyInCandidate.length > 0)
    out.push(`only in the candidate (not compared): ${comparison.onlyInCandidate.join(', ')}`);
  const over = comparison.regressions;
  const strictFail = args.strict && comparison.mismatches.length > 0;
  out.push(
    '',
    over.length === 0
      ? 'no regression'
      : `REGRESSION: ${over.length} metric(s) over their limit: ${over.map((r) => `${r.fleet} ${label(r)} ${verdictChange(r)}${r.metric === 'promises' ? '' : ` (limit ${limit(r)})`}`).join(', ')}`,
  );
  if (strictFail)
    out.push(`NOT COMPARABLE (--strict): the runs differ in ${comparison.mismatches.length} way(s), listed above`);
  process.stdout.write(`${out.join('\n')}\n`);
  if (args.json !== undefined) {
    const json = {
      ...comparison,
      baseline: { file: args.baseline, ...comparison.baseline },
      candidate: { file: args.candidate, ...comparison.candidate },
    };
    try {
      writeFileSync(args.json, `${JSON.stringify(json, null, 2)}\n`);
    } catch (err) {
      throw new FleetbenchError(
        ErrorCodes.OPTION_INVALID,
        `--json ${args.json}: cannot write the comparison (${errorMessage(err)})`,
      );
    }
  }
  const md = comparisonMarkdown(args, comparison, baseline, candidate);
  writeMarkdown(md, args.summaryMd, (w) => process.stderr.write(`fleetbench: warning: ${w}\n`));
  return over.length > 0 || strictFail ? ExitCode.failed : ExitCode.ok;
}

/** The change in the verdict line: '+12.0%', 'broken', '0 → 3' from a baseline of 0. */
function verdictChange(r: ComparisonRow): string {
  if (r.metric === 'promises') return 'broken';
  if (r.change !== null) return change(r);
  return r.candidate === null ? (r.note ?? '-') : `${single(r, r.baseline)} → ${single(r, r.candidate)}`;
}

function parseFloor(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 0)
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--latency-floor: expected a duration like '1ms' or '0ms', got ${JSON.stringify(text)}`,
    );
  return ms * 1000;
}

/** The verdict and the gated metrics as Markdown, for a CI job summary. */
function comparisonMarkdown(args: CompareArgs, comparison: Comparison, ...runs: [RunResult, RunResult]): string {
  const over = comparison.regressions;
  const verdict = over.length === 0 ? '✅ no regression' : `❌ REGRESSION (${over.length} metric(s) over their limit)`;
  const gated = comparison.rows.filter((r) => r.limit !== null);
  const lines = [
    `### fleetbench compare: ${verdict}`,
    '',
    ...(['baseline', 'candidate'] as const).map((side, i) => {
      const r = runs[i] as RunResult;
      return `- ${side}: \`${side === 'baseline' ? args.baseline : args.candidate}\` (${r.scenario.name}, run ${r.run.id}, ${r.run.startedAt})`;
    }),
    '',
    ...comparison.warnings.flatMap((w) => [`> warning: ${w}`, '']),
  ];
  if (gated.length > 0)
    lines.push(
      ...mdTable(
        ['fleet', 'metric', 'baseline', 'candidate', 'change', 'limit', 'verdict'],
        ['l', 'l', 'r', 'r', 'r', 'r', 'c'],
        gated.map((r) => [
          r.fleet,
          label(r),
          value(r, r.baseline),
          value(r, r.candidate),
          change(r),
          limit(r),
          r.regressed ? '❌' : '✅',
        ]),
      ),
    );
  return `${lines.join('\n').trimEnd()}\n`;
}

function label(row: ComparisonRow): string {
  if (row.metric === 'promises') return `promise ${row.pair ?? ''}`.trim();
  return row.source ? `${row.metric} (${row.source})` : row.metric;
}

/** The value, and with `run --repeat` the range over the runs: '12.1ms [10.2ms–15ms]'. */
function value(row: ComparisonRow, v: number | null, spread?: [number, number]): string {
  const one = single(row, v);
  return spread && spread[0] !== spread[1] ? `${one} [${single(row, spread[0])}–${single(row, spread[1])}]` : one;
}

function single(row: ComparisonRow, v: number | null): string {
  if (v === null) return '-';
  switch (row.unit) {
    case 'us':
      return formatUs(v);
    case '/s':
      return `${+v.toFixed(2)}/s`;
    case 'rate':
      return `${+(v * 100).toFixed(3)}%`;
    case 'count':
      return String(v);
    case 'B':
      return v < 1024 ? `${+v.toFixed(1)}B` : formatBytes(v);
    case 'mJ':
      return `${formatEnergymJ(v)}mJ`;
    case 'kept':
      return v === 1 ? 'kept' : 'broken';
  }
}

/** Relative change in %, loss in percentage points; '+∞%' from a baseline of 0. */
function change(row: ComparisonRow): string {
  if (row.metric === 'promises') return '';
  if (row.change === null) return row.baseline === 0 ? '+∞%' : '-';
  const sign = row.change > 0 ? '+' : '';
  return row.metric === 'loss' ? `${sign}${+row.change.toFixed(3)}pp` : `${sign}${row.change.toFixed(1)}%`;
}

/** The limit in the direction that is worse: '+10%' for a latency, '-5%' for throughput. */
function limit(row: ComparisonRow): string {
  if (row.limit === null) return '';
  if (row.metric === 'promises') return 'kept';
  return `${row.worse === 'higher' ? '+' : '-'}${row.limit}${row.metric === 'loss' ? 'pp' : '%'}`;
}

function check(row: ComparisonRow): string {
  const mark = row.limit === null ? '' : row.regressed ? '✗' : '✓';
  return [mark, row.note].filter(Boolean).join(' ');
}
