// `fleetbench report <results>`: rebuild the self-contained HTML report from a saved results.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { renderReport } from '../report/html.ts';
import { readResultFile } from '../result/read.ts';
import { ExitCode } from './exit-codes.ts';

export interface ReportArgs {
  results: string;
  out: string | undefined;
}

export const reportCommand = {
  command: 'report <results>',
  describe: 'Rebuild the HTML report from a saved results.json',
  builder: (y: Argv) =>
    y
      .positional('results', {
        type: 'string',
        demandOption: true,
        describe: 'A results.json written by fleetbench run',
      })
      .option('out', {
        alias: 'o',
        type: 'string',
        describe: 'Report file (default: report.html next to the results file)',
      }),
};

export async function reportHandler(args: ReportArgs): Promise<number> {
  const { result, file } = readResultFile(args.results);
  const out = resolve(args.out ?? join(dirname(file), 'report.html'));
  const html = renderReport(result);
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, html);
  } catch (err) {
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--out ${out}: cannot write the report: ${(err as Error).message}`,
      { cause: err },
    );
  }
  process.stdout.write(`report: ${out} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB)\n`);
  return ExitCode.ok;
}
