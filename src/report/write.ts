// A run's folder: `<dir>/<scenario>-<timestamp>/` (or --out-exact's) with results.json, junit.xml and report.html.
// Each file is written under a temporary name and renamed into place, so a reader (or a CI step
// after a full disk) never sees a half-written file under the real name.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toJUnit } from '../result/junit.ts';
import type { RunResult } from '../result/types.ts';
import { renderReport } from './html.ts';
import { makeDirs } from './out-dir.ts';
import { runFolderName, updateLatest } from './out-folder.ts';

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
  makeDirs(folder);
  const path = join(folder, 'results.json');
  // results.json first: it is the run's data; the other two can be rebuilt from it (`fleetbench report`).
  writeAtomic(path, `${JSON.stringify(result, null, 2)}\n`);
  writeAtomic(join(folder, 'junit.xml'), toJUnit(result, result.thresholds ?? []));
  writeAtomic(join(folder, 'report.html'), renderReport(result));
  const warning = options.exact ? undefined : updateLatest(dir, folder);
  if (warning !== undefined) options.onWarning?.(warning);
  return path;
}

/** Writes `path` through a temporary file in the same directory and a rename (atomic on POSIX). */
export function writeAtomic(path: string, text: string): void {
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
