// Many `fleetbench` command lines in one process, one after the other, through the CLI's entry
// (test/helpers/cli-batch.js calls main() as the executable does): a sweep of a hundred cases
// costs one start-up instead of a hundred.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliResult, TMP_DIR } from './scenario.ts';

export interface BatchOutcome extends CliResult {
  /** Wall time of this command line alone. */
  ms: number;
}

/** The whole batch: past this the process is killed and the batch fails. */
export const BATCH_KILL_MS = 600_000;

let batches = 0;

export async function cliBatch(lines: readonly string[][]): Promise<BatchOutcome[]> {
  const id = `${process.pid}-${batches++}`;
  const input = join(TMP_DIR, `batch-lines-${id}.json`);
  const output = join(TMP_DIR, `batch-outcomes-${id}.json`);
  writeFileSync(input, JSON.stringify(lines));
  const driver = new URL('./cli-batch.js', import.meta.url).pathname;
  // As runCli: no width and no CI job summary inherited from the job running the tests.
  const { COLUMNS: _width, GITHUB_STEP_SUMMARY: _summary, ...inherited } = process.env;
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [driver, input, output],
      { timeout: BATCH_KILL_MS, env: { ...inherited, FORCE_COLOR: '0' } },
      (err, _out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()),
    ),
  );
  return JSON.parse(readFileSync(output, 'utf8')) as BatchOutcome[];
}
