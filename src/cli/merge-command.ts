// `fleetbench merge <results...> -o <dir>`: the shards of one run (--shard i/n, one --run-id)
// merged into the result a single run of the same load gives, written as a run's folder, with
// the scenario's thresholds evaluated again on it and an exit code as `run` gives.
import type { Argv } from 'yargs';
import { mergeShards } from '../merge/merge.ts';
import { writeRunFolder } from '../report/write.ts';
import { shardLines } from '../result/shard-lines.ts';
import { failedHealth } from '../thresholds/health.ts';
import { printFiles, writeRunMarkdown } from './ci-outputs.ts';
import { ExitCode } from './exit-codes.ts';
import { terminalWidth } from './format.ts';
import { summary } from './summary.ts';

export interface MergeArgs {
  results: string[];
  out: string;
  scenario: string | undefined;
  summaryMd: string | undefined;
}

export const mergeCommand = {
  command: 'merge <results..>',
  describe: "Merge the shards of one run (--shard i/n, one --run-id) into that run's result",
  builder: (y: Argv) =>
    y
      .positional('results', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: "Every shard's results.json (or its folder)",
      })
      .option('out', {
        alias: 'o',
        type: 'string',
        demandOption: true,
        describe: 'Write results.json, report.html and junit.xml of the merged run in this folder',
      })
      .option('scenario', {
        type: 'string',
        describe: 'The scenario file, when it is not at the path the shards ran it from (its content must match)',
      })
      .option('summary-md', {
        type: 'string',
        describe: 'Write a Markdown verdict to this file (also appended to $GITHUB_STEP_SUMMARY when set)',
      }),
};

export async function mergeHandler(args: MergeArgs): Promise<number> {
  const result = await mergeShards({
    files: args.results,
    ...(args.scenario === undefined ? {} : { scenario: args.scenario }),
  });
  const write = (text: string): boolean => process.stdout.write(text);
  const warn = (w: string): boolean => process.stderr.write(`fleetbench: warning: ${w}\n`);
  write(`${summary(result, terminalWidth(process.stdout))}\n`);
  for (const line of shardLines(result)) write(`${line}\n`);
  const place = {
    out: args.out,
    exact: args.out,
    ...(args.summaryMd === undefined ? {} : { summaryMd: args.summaryMd }),
  };
  const files = printFiles(writeRunFolder(result, args.out, { exact: true }), place, write);
  writeRunMarkdown(result, files, place, warn);
  const failed = (result.thresholds ?? []).filter((t) => !t.passed).length;
  return failed > 0 || failedHealth(result).length > 0 ? ExitCode.failed : ExitCode.ok;
}
