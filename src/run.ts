// The programmatic API behind `fleetbench run`: run a scenario and write its folder
// (results.json, junit.xml, report.html) unless asked not to. The results directory is checked
// before the run starts; a folder that cannot be written at the end goes to the OS temp folder.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaults } from './base/defaults.ts';
import { errorMessage } from './base/errors.ts';
import { checkOutDir } from './report/out-dir.ts';
import { writeRunFolder } from './report/write.ts';
import { runScenario, type ScenarioOutcome, type ScenarioRunOptions } from './runner/run.ts';

export interface RunOptions extends ScenarioRunOptions {
  /** Directory for results; a run writes `<dir>/<scenario>-<timestamp>/results.json`. */
  reportsDir?: string;
  /** Set false to skip writing files (the result is still returned). */
  write?: boolean;
  /** Write the files directly in this folder (no timestamped subfolder, no `latest` link); replaces reportsDir. */
  exactDir?: string;
  /** Called with the result before its folder is written (the CLI prints its summary here). */
  onResult?: (outcome: ScenarioOutcome) => void;
}

/** The run's folder could not be written under `dir`. */
export interface WriteProblem {
  dir: string;
  reason: string;
  /** Where the folder went instead: `<os temp folder>/fleetbench`. */
  fallbackDir: string;
  /** Set when the fallback failed too: the files are lost (the returned result is all there is). */
  fallbackReason?: string;
}

export interface RunOutcome extends ScenarioOutcome {
  /** Where results.json was written (in `reportsDir`, or the fallback), when it was. */
  resultPath: string | undefined;
  /** Set when writing under `reportsDir` failed. */
  writeProblem?: WriteProblem;
}

export async function run(options: RunOptions): Promise<RunOutcome> {
  checkOut(options);
  return finish(await runScenario(options), options);
}

/** A results directory that cannot be written is refused before anything connects. */
export function checkOut(options: RunOptions): void {
  if (options.write !== false) checkOutDir(outDir(options), options.exactDir !== undefined ? '--out-exact' : '--out');
}

function outDir(options: RunOptions): string {
  return options.exactDir ?? options.reportsDir ?? defaults.reportsDir;
}

/** Hands the outcome to onResult, then writes its folder (unless write is false), falling back to the temp folder. */
export function finish(outcome: ScenarioOutcome, options: RunOptions): RunOutcome {
  const dir = outDir(options);
  if (options.write === false) {
    options.onResult?.(outcome);
    return { ...outcome, resultPath: undefined };
  }
  // A hook that throws must not cost the run its files: they are written, then the error goes on.
  let hookFailed: { error: unknown } | undefined;
  try {
    options.onResult?.(outcome);
  } catch (error) {
    hookFailed = { error };
  }
  const written = writeWithFallback(outcome, dir, options);
  if (hookFailed) throw hookFailed.error;
  return { ...outcome, ...written };
}

/** Writes under `dir`; when that fails (disk full, folder removed or replaced mid-run), under the OS temp folder. */
function writeWithFallback(
  outcome: ScenarioOutcome,
  dir: string,
  options: RunOptions,
): { resultPath: string | undefined; writeProblem?: WriteProblem } {
  const { onWarning } = options;
  try {
    return {
      resultPath: writeRunFolder(outcome.result, dir, {
        exact: options.exactDir !== undefined,
        ...(onWarning ? { onWarning } : {}),
      }),
    };
  } catch (err) {
    const writeProblem: WriteProblem = { dir, reason: errorMessage(err), fallbackDir: join(tmpdir(), 'fleetbench') };
    try {
      return { resultPath: writeRunFolder(outcome.result, writeProblem.fallbackDir), writeProblem };
    } catch (again) {
      writeProblem.fallbackReason = errorMessage(again);
      return { resultPath: undefined, writeProblem };
    }
  }
}
