// `fleetbench capacity <scenario>`: step the load to the knee (src/capacity, docs/capacity.md),
// one line per step on stderr, the step table and the verdict on stdout, capacity.json and
// capacity.html in the capacity folder.
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { Checker } from '../base/check.ts';
import { defaults } from '../base/defaults.ts';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { formatUs } from '../base/format.ts';
import { runCapacity } from '../capacity/capacity.ts';
import type { CapacityReport } from '../capacity/report.ts';
import { SEARCH_DEFAULTS } from '../capacity/search.ts';
import { parseSlo } from '../capacity/slo.ts';
import { parseEnvArgs } from '../dsl/env.ts';
import { metricsPortOption, openMetrics } from '../live/metrics-endpoint.ts';
import { parseTargetArgs } from '../runner/targets.ts';
import { ExitCode } from './exit-codes.ts';
import { table, terminalWidth } from './format.ts';
import { integerFlag, MAX_WORKERS, onceFlag } from './option-values.ts';
import { progressReporter } from './progress-line.ts';
import { envOption } from './validate-command.ts';

export const DEFAULT_SLO = 'p99<50ms,loss==0,errors==0';

export interface CapacityArgs {
  scenario: string;
  vary: string;
  slo: string;
  start: string | undefined;
  max: string | undefined;
  resolution: string;
  maxSteps: string;
  stepDuration: string;
  warmup: string;
  maxTime: string;
  target: string[];
  workers: string | undefined;
  seed: string | undefined;
  env: string[];
  out: string;
  quiet: boolean;
  metricsPort: string | undefined;
}

export const capacityCommand = {
  command: 'capacity <scenario>',
  describe: 'Step the load up to the highest one that meets an SLO, and find the knee',
  builder: (y: Argv) =>
    y
      .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario file (.ts)' })
      .option('vary', {
        type: 'string',
        choices: ['devices', 'rate'],
        demandOption: true,
        describe: "What grows: the sending fleets' device counts, or their per-device send rates",
      })
      .option('slo', { type: 'string', default: DEFAULT_SLO, describe: 'What a step must meet (docs/capacity.md)' })
      .option('start', {
        type: 'string',
        describe: "First load: devices, or msg/s with --vary rate (default: the scenario's)",
      })
      .option('max', { type: 'string', describe: 'Highest load to try (default: 1024 × the start)' })
      .option('resolution', {
        type: 'string',
        default: '10%',
        describe: 'Bisect until the gap between good and bad is this small',
      })
      .option('max-steps', {
        type: 'string',
        default: String(SEARCH_DEFAULTS.maxSteps),
        describe: 'At most this many steps',
      })
      .option('step-duration', {
        type: 'string',
        default: '10s',
        describe: 'Send phase of each step, warm-up included',
      })
      .option('warmup', {
        type: 'string',
        default: '2s',
        describe: 'Warm-up of each step when the scenario declares none',
      })
      .option('max-time', { type: 'string', default: '10m', describe: 'Start no step after this long' })
      .option('target', {
        alias: 't',
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Target URL by name (repeatable)',
      })
      .option('workers', { alias: 'w', type: 'string', describe: `Worker threads (default ${defaults.workers()})` })
      .option('seed', { type: 'string', describe: 'Seed for jitter and payloads' })
      .option('env', envOption)
      .option('out', {
        alias: 'o',
        type: 'string',
        default: defaults.reportsDir,
        describe: 'Directory for the capacity folder',
      })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress line' })
      .option('metrics-port', metricsPortOption),
};

export async function capacityHandler(args: CapacityArgs): Promise<number> {
  const check = new Checker();
  const stepMs = check.duration('--step-duration', onceFlag('--step-duration', args.stepDuration), { positive: true });
  const warmupMs = check.duration('--warmup', onceFlag('--warmup', args.warmup), { fallback: 0 });
  const maxTimeMs = check.duration('--max-time', onceFlag('--max-time', args.maxTime), { positive: true });
  const resolution = share(check, '--resolution', args.resolution);
  const start = positive(check, '--start', args.start);
  const max = positive(check, '--max', args.max);
  if (check.problems.length > 0 || stepMs === undefined || warmupMs === undefined || maxTimeMs === undefined)
    throw new FleetbenchError(ErrorCodes.OPTION_INVALID, check.problems.join('\n'));
  const maxSteps = integerFlag('--max-steps', args.maxSteps, 1, 1000) as number;
  const workers = integerFlag('--workers', args.workers, 1, MAX_WORKERS);
  const seed = integerFlag('--seed', args.seed, 0, 0xffff_ffff);
  const slo = parseSlo(onceFlag('--slo', args.slo) ?? DEFAULT_SLO);
  const vary = args.vary === 'rate' ? 'rate' : 'devices';
  const controller = new AbortController();
  const onSigint = (): void => {
    process.stderr.write('\nstopping: the step running now finishes early, then the capacity files are written\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const progress = progressReporter(process.stderr, args.quiet);
  const metrics = await openMetrics(args.metricsPort);
  try {
    const { report, folder } = await runCapacity({
      scenario: args.scenario,
      targets: parseTargetArgs(args.target),
      ...(workers === undefined ? {} : { workers }),
      ...(seed === undefined ? {} : { seed }),
      env: parseEnvArgs(args.env),
      signal: controller.signal,
      vary,
      slo,
      stepMs,
      warmupMs,
      maxTimeMs,
      search: {
        ...SEARCH_DEFAULTS,
        resolution: resolution ?? SEARCH_DEFAULTS.resolution,
        maxSteps,
        ...(start === undefined ? {} : { start }),
        ...(max === undefined ? {} : { max }),
      },
      outDir: args.out,
      onWarning: (w) => process.stderr.write(`fleetbench: warning: ${w}\n`),
      onProgress: (p) => {
        progress.update(p);
        metrics?.update(p);
      },
      onStepStart: (s) => metrics?.setStep(s),
      onStepDone: (r, verdict) => {
        progress.done();
        process.stderr.write(
          `fleetbench: step ${r.index}: ${r.devices} devices, ${round(r.offeredPerS)}/s offered, ${round(r.achievedPerS)}/s achieved, p99 ${r.p99Us === undefined ? '-' : formatUs(r.p99Us)}: ${verdict}${r.generatorBound ? ` (${r.generatorBound})` : ''}\n`,
        );
      },
    });
    progress.done();
    process.stdout.write(`${stepTable(report, terminalWidth(process.stdout))}\n\n${report.summary}\n`);
    process.stdout.write(`capacity: ${join(folder, 'capacity.json')}\nreport:   ${join(folder, 'capacity.html')}\n`);
    return exitCodeOf(report);
  } finally {
    progress.done();
    await metrics?.close();
    process.off('SIGINT', onSigint);
  }
}

/** 0 when a sustainable maximum was found, 1 when no step met the SLO, 4 when the generator was the limit. */
export function exitCodeOf(r: CapacityReport): number {
  if (r.verdict === 'generator-bound') return ExitCode.generatorBound;
  return r.verdict === 'found' ? ExitCode.ok : ExitCode.failed;
}

export function stepTable(r: CapacityReport, width = Infinity): string {
  const lat = (v: number | undefined): string => (v === undefined ? '-' : formatUs(v));
  const rows = r.steps.map((s) => [
    String(s.index),
    String(s.devices),
    round(s.offeredPerS),
    round(s.achievedPerS),
    lat(s.p50Us),
    lat(s.p99Us),
    s.loss === null ? '-' : `${Number((s.loss * 100).toPrecision(3))}%`,
    String(s.errors),
    s.verdict + (r.knee?.step === s.index ? ' (knee)' : ''),
    s.generatorBound ? 'yes' : 'no',
  ]);
  return table(
    ['step', 'devices', 'offered/s', 'achieved/s', 'p50', 'p99', 'loss', 'errors', 'verdict', 'generator-bound'],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l'],
    width,
  );
}

const round = (x: number): string => String(Math.round(x * 10) / 10);

function share(check: Checker, flag: string, value: unknown): number | undefined {
  const text = String(onceFlag(flag, value) ?? '').trim();
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text);
  const n = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN;
  if (!(n > 0 && n < 1)) return check.fail(flag, "a share between 0 and 1, e.g. '10%' or 0.1", text);
  return n;
}

function positive(check: Checker, flag: string, value: unknown): number | undefined {
  const text = onceFlag(flag, value);
  if (text === undefined) return undefined;
  const n = /^\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(n > 0)) return check.fail(flag, 'a positive number (devices, or messages per second with --vary rate)', text);
  return n;
}
