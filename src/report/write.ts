// A run's folder: `<dir>/<scenario>-<timestamp>/` (or --out-exact's) with results.json, junit.xml and report.html.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toJUnit } from '../result/junit.ts';
import type { RunResult } from '../result/types.ts';
import { renderReport } from './html.ts';
import { makeDir, runFolderName, updateLatest } from './out-folder.ts';

/**
 * Writes the run's folder under `dir` (or the files directly in `dir` with `exact`), points
 * `dir/latest` at it, and returns the path of its results.json.
 */
export function writeRunFolder(
  result: RunResult,
  dir: string,
  options: { exact?: boolean; onWarning?: (message: string) => void } = {},
): string {
  const folder = options.exact ? dir : join(dir, runFolderName(result.scenario.name, result.run.startedAt));
  makeDir(folder);
  const path = join(folder, 'results.json');
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(folder, 'junit.xml'), toJUnit(result, result.thresholds ?? []));
  writeFileSync(join(folder, 'report.html'), renderReport(result));
  const warning = options.exact ? undefined : updateLatest(dir, folder);
  if (warning !== undefined) options.onWarning?.(warning);
  return path;
}
