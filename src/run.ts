// The programmatic API behind `fleetbench run`: run a scenario and write its folder
// (results.json, junit.xml, report.html) unless asked not to.
import { defaults } from './base/defaults.ts';
import { writeRunFolder } from './report/write.ts';
import { runScenario, type ScenarioOutcome, type ScenarioRunOptions } from './runner/run.ts';

export interface RunOptions extends ScenarioRunOptions {
  /** Directory for results; a run writes `<dir>/<scenario>-<timestamp>/results.json`. */
  reportsDir?: string;
  /** Set false to skip writing files (the result is still returned). */
  write?: boolean;
  /** Write the files directly in this folder (no timestamped subfolder, no `latest` link); replaces reportsDir. */
  exactDir?: string;
}

export interface RunOutcome extends ScenarioOutcome {
  /** Where results.json was written, when it was. */
  resultPath: string | undefined;
}

export async function run(options: RunOptions): Promise<RunOutcome> {
  const outcome = await runScenario(options);
  const { exactDir, onWarning } = options;
  const resultPath =
    options.write === false
      ? undefined
      : writeRunFolder(outcome.result, exactDir ?? options.reportsDir ?? defaults.reportsDir, {
          exact: exactDir !== undefined,
          ...(onWarning ? { onWarning } : {}),
        });
  return { ...outcome, resultPath };
}
