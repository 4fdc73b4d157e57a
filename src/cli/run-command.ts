// `fleetbench run <scenario>`: run a scenario, draw progress, print the summary, write results.
import { dirname } from 'node:path';
import type { Argv } from 'yargs';
import { defaults } from '../base/defaults.ts';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { exampleTarget } from '../protocols/registry.ts';
import { type RunOutcome, run } from '../run.ts';
import { parseTargetArgs } from '../runner/targets.ts';
import { ExitCode } from './exit-codes.ts';
import { progressReporter } from './progress-line.ts';
import { summary } from './summary.ts';

export interface RunArgs {
  scenario: string;
  target: string[];
  workers: number | undefined;
  duration: string | undefined;
  seed: number | undefined;
  shard: string | undefined;
  out: string;
  quiet: boolean;
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
        type: 'number',
        describe: `Worker threads (default: one per core, ${defaults.workers()} here)`,
      })
      .option('duration', { alias: 'd', type: 'string', describe: "Override the scenario's duration, e.g. 30s" })
      .option('seed', { type: 'number', describe: 'Seed for jitter, Poisson gaps and payload randomness' })
      .option('shard', {
        type: 'string',
        describe: 'Run slice i of n of every fleet (i/n, zero-based), for multi-machine runs',
      })
      .option('out', { alias: 'o', type: 'string', default: defaults.reportsDir, describe: 'Directory for results' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress line' }),
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
  try {
    const workers = args.workers;
    if (workers !== undefined && (!Number.isInteger(workers) || workers < 1))
      throw new FleetbenchError(ErrorCodes.OPTION_INVALID, `--workers: expected a positive integer, got ${workers}`);
    const outcome = await run({
      scenario: args.scenario,
      targets: parseTargetArgs(args.target),
      ...(workers === undefined ? {} : { workers }),
      ...(args.duration === undefined ? {} : { duration: args.duration }),
      ...(args.seed === undefined ? {} : { seed: args.seed }),
      ...(args.shard === undefined ? {} : { shard: parseShard(args.shard) }),
      reportsDir: args.out,
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
      onWarning: (w) => process.stderr.write(`fleetbench: warning: ${w}\n`),
      // The summary comes before the files: a folder that cannot be written never hides the run.
      onResult: (o) => {
        progress.done();
        process.stdout.write(`${summary(o.result)}\n`);
      },
    });
    if (outcome.resultPath) process.stdout.write(`\nresults: ${outcome.resultPath}\n`);
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
  } finally {
    progress.done();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

/** A run stopped by Ctrl-C is 130; one stopped by an abortOnFail threshold, or that failed any, is 1. */
function verdictOf(outcome: RunOutcome): number {
  const failed = (outcome.result.thresholds ?? []).filter((t) => !t.passed).length;
  if (outcome.workerCrashed) return ExitCode.failed;
  if (outcome.result.run.partial && !outcome.abortedByThreshold) return ExitCode.interrupted;
  return failed > 0 ? ExitCode.failed : ExitCode.ok;
}

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
