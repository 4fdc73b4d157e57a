// `fleetbench run <scenario>`: run a scenario, draw progress, print the summary, write results.
import { dirname } from 'node:path';
import type { Argv } from 'yargs';
import { defaults } from '../base/defaults.ts';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { parseEnvArgs } from '../dsl/env.ts';
import { type MetricsEndpoint, metricsPortOption, openMetrics } from '../live/metrics-endpoint.ts';
import { exampleTarget } from '../protocols/registry.ts';
import { repeated } from '../repeat.ts';
import { shardLines } from '../result/shard-lines.ts';
import { type RunOptions, type RunOutcome, run } from '../run.ts';
import { DEFAULT_CLOCK_PORT, parseClockRef } from '../runner/clock-sync.ts';
import { checkRunId, parseStartAt } from '../runner/start-at.ts';
import { parseTargetArgs } from '../runner/targets.ts';
import { failedHealth } from '../thresholds/health.ts';
import { type OutPlace, printFiles, recordFailure, scenarioFromFile, writeRunMarkdown } from './ci-outputs.ts';
import { ExitCode } from './exit-codes.ts';
import { terminalWidth } from './format.ts';
import { integerFlag, MAX_WORKERS, onceFlag } from './option-values.ts';
import { progressReporter } from './progress-line.ts';
import { summary } from './summary.ts';
import { envOption } from './validate-command.ts';

export interface RunArgs {
  scenario: string;
  target: string[];
  workers: string | undefined;
  processes: string | undefined;
  duration: string | undefined;
  seed: string | undefined;
  env: string[];
  shard: string | undefined;
  runId: string | undefined;
  startAt: string | undefined;
  clockPort: string | undefined;
  clockRef: string | undefined;
  out: string;
  quiet: boolean;
  repeat: number | undefined;
  outExact: string | undefined;
  summaryMd: string | undefined;
  metricsPort: string | undefined;
}

export const runCommand = {
  command: 'run <scenario>',
  describe: 'Run a scenario and write its results',
  builder: (y: Argv) =>
    y
      .positional('scenario', { type: 'string', demandOption: true, describe: 'Scenario file (.ts)' })
      .option('target', {
        alias: 't',
        type: 'string',
        array: true,
        default: [] as string[],
        describe: `Target URL by name, e.g. ${exampleTarget()} (repeatable); omitted targets use the embedded server`,
      })
      .option('workers', {
        alias: 'w',
        type: 'string',
        describe: `Worker threads (default: one per core, ${defaults.workers()} here)`,
      })
      .option('processes', {
        type: 'string',
        describe:
          'Generator processes on this machine, the workers split over them (default: as many as the open-file limit requires, usually 1)',
      })
      .option('duration', { alias: 'd', type: 'string', describe: "Override the scenario's duration, e.g. 30s" })
      .option('seed', {
        type: 'string',
        describe: 'Seed for jitter, Poisson gaps and payload randomness (0 to 2^32-1)',
      })
      .option('env', envOption)
      .option('shard', {
        type: 'string',
        describe: 'Run slice i of n of every fleet (i/n, zero-based), for multi-machine runs',
      })
      // Sharding across machines (docs/sharding.md).
      .option('run-id', {
        type: 'string',
        describe: 'Run id shared by every shard of one run (a-z, 0-9, -): topics and stamps match across shards',
      })
      .option('start-at', {
        type: 'string',
        describe: 'Start sending at this wall-clock time (ISO-8601 with zone, or epoch ms), the same for every shard',
      })
      .option('clock-port', {
        type: 'string',
        describe: `Shard 0: serve its clock to the other shards on this datagram port (default ${DEFAULT_CLOCK_PORT})`,
      })
      .option('clock-ref', {
        type: 'string',
        describe: "Shards > 0: host:port of shard 0's clock, to measure latency across machines on one clock",
      })
      .option('out', { alias: 'o', type: 'string', default: defaults.reportsDir, describe: 'Directory for results' })
      .option('repeat', {
        type: 'number',
        describe: 'Run N times; write the median run with every run’s figures and their spread (for compare)',
      })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress line' })
      .option('out-exact', {
        type: 'string',
        describe: 'Write results.json, report.html and junit.xml directly in this folder (replaces --out)',
      })
      .option('metrics-port', metricsPortOption)
      .option('summary-md', {
        type: 'string',
        describe: 'Write a Markdown verdict to this file (also appended to $GITHUB_STEP_SUMMARY when set)',
      }),
};

export async function runHandler(args: RunArgs): Promise<number> {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) {
      process.stderr.write('\nforced exit: no result written\n');
      process.exit(ExitCode.interrupted);
    }
    process.stderr.write(
      '\nstopping: draining in-flight messages and writing a partial result (Ctrl-C again to force)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const progress = progressReporter(process.stderr, args.quiet);
  const place = outPlace(args);
  const startedAt = new Date();
  let loaded: { name: string; file: string } | undefined;
  const write = (text: string): boolean => process.stdout.write(text);
  const warn = (w: string): boolean => process.stderr.write(`fleetbench: warning: ${w}\n`);
  let metrics: MetricsEndpoint | undefined;
  try {
    const workers = integerFlag('--workers', args.workers, 1, MAX_WORKERS);
    const processes = integerFlag('--processes', args.processes, 1, MAX_PROCESSES);
    metrics = await openMetrics(args.metricsPort);
    const seed = integerFlag('--seed', args.seed, 0, 0xffff_ffff);
    const duration = onceFlag('--duration', args.duration);
    const runOnce = args.repeat === undefined ? run : repeated(args.repeat, repeatNotice(args.repeat));
    const outcome = await runOnce({
      scenario: args.scenario,
      targets: parseTargetArgs(args.target),
      ...(workers === undefined ? {} : { workers }),
      ...(processes === undefined ? {} : { processes }),
      ...(duration === undefined ? {} : { duration }),
      ...(seed === undefined ? {} : { seed }),
      env: parseEnvArgs(args.env),
      ...(args.shard === undefined ? {} : { shard: parseShard(args.shard) }),
      ...shardFlags(args),
      reportsDir: args.out,
      ...(args.outExact === undefined ? {} : { exactDir: args.outExact }),
      onLoaded: (s) => {
        loaded = s;
      },
      signal: controller.signal,
      onProgress: (p) => {
        progress.update(p);
        metrics?.update(p);
      },
      onWarning: (w) => process.stderr.write(`fleetbench: warning: ${w}\n`),
      // The summary comes before the files: a folder that cannot be written never hides the run.
      onResult: (o) => {
        progress.done();
        process.stdout.write(`${summary(o.result, terminalWidth(process.stdout))}\n`);
        for (const line of shardLines(o.result)) process.stdout.write(`${line}\n`);
      },
    });
    const files = outcome.resultPath ? printFiles(outcome.resultPath, place, write) : {};
    writeRunMarkdown(outcome.result, files, place, warn);
    const verdict = verdictOf(outcome);
    const problem = outcome.writeProblem;
    if (!problem) return verdict;
    if (outcome.resultPath) {
      process.stderr.write(
        `fleetbench: could not write to ${problem.dir} (${problem.reason}); results written to ${dirname(outcome.resultPath)}\n`,
      );
      return verdict;
    }
    process.stderr.write(
      `fleetbench: could not write to ${problem.dir} (${problem.reason}) nor to ${problem.fallbackDir} (${problem.fallbackReason}); the results are lost, only the summary above remains\n`,
    );
    return verdict === ExitCode.ok ? ExitCode.failed : verdict;
  } catch (err) {
    progress.done();
    recordFailure(err, loaded ?? scenarioFromFile(args.scenario), startedAt, place, write, warn);
    throw err;
  } finally {
    progress.done();
    await metrics?.close();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

/** `--repeat`: one line per finished run, on stderr beside the progress line. */
function repeatNotice(times: number) {
  return (i: number, r: { run: { id: string } }): void => {
    process.stderr.write(`fleetbench: repeat: run ${i + 1} of ${times} done (${r.run.id})\n`);
  };
}

/**
 * A run stopped by Ctrl-C is 130; one stopped by an abortOnFail threshold or a crashed worker,
 * or that failed any threshold or default health check, is 1 (a shard's only when it crashed).
 */
function verdictOf(outcome: RunOutcome): number {
  const failed = (outcome.result.thresholds ?? []).filter((t) => !t.passed).length;
  const sick = failedHealth(outcome.result);
  if (outcome.workerCrashed || sick.some((h) => h.name === 'worker_crashed')) return ExitCode.failed;
  if (outcome.result.run.partial && !outcome.abortedByThreshold) return ExitCode.interrupted;
  // A shard's thresholds and health judge its slice, not the run: `fleetbench merge` gives the
  // verdict. A shard that ran to its end succeeds (a Kubernetes Job completes, then merges).
  if (outcome.result.run.shard.count > 1) return ExitCode.ok;
  return failed > 0 || sick.length > 0 ? ExitCode.failed : ExitCode.ok;
}

/** More generator processes than this on one machine is a typo: each costs a Node runtime (≈ 50 MiB). */
const MAX_PROCESSES = 64;

function parseShard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count)
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--shard: expected i/n with 0 ≤ i < n, e.g. 0/4, got ${JSON.stringify(value)}`,
    );
  return { index, count };
}

/** --run-id, --start-at, --clock-port, --clock-ref: checked here, so a mistake is refused before anything connects. */
function shardFlags(args: RunArgs): Pick<RunOptions, 'runId' | 'startAt' | 'clockPort' | 'clockRef'> {
  const clockPort = integerFlag('--clock-port', args.clockPort, 1, 65_535);
  if (args.clockRef !== undefined) parseClockRef(args.clockRef);
  return {
    ...(args.runId === undefined ? {} : { runId: checkRunId(args.runId) }),
    ...(args.startAt === undefined ? {} : { startAt: parseStartAt(args.startAt) }),
    ...(clockPort === undefined ? {} : { clockPort }),
    ...(args.clockRef === undefined ? {} : { clockRef: args.clockRef }),
  };
}

function outPlace(args: RunArgs): OutPlace {
  return {
    out: args.out,
    ...(args.outExact === undefined ? {} : { exact: args.outExact }),
    ...(args.summaryMd === undefined ? {} : { summaryMd: args.summaryMd }),
  };
}
