// A run's folder: `<dir>/<scenario>-<timestamp>/` with results.json, junit.xml and report.html.
// Each file is written under a temporary name and renamed into place, so a reader (or a CI step
// after a full disk) never sees a half-written file under the real name.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toJUnit } from '../result/junit.ts';
import type { RunResult } from '../result/types.ts';
import { renderReport } from './html.ts';
import { makeDirs } from './out-dir.ts';

/** Writes the run's folder under `dir` and returns the path of its results.json. */
export function writeRunFolder(result: RunResult, dir: string): string {
  const stamp = result.run.startedAt.replace(/[:.]/g, '-').replace(/Z$/, '');
  const safe = result.scenario.name.replace(/[^A-Za-z0-9_-]+/g, '-');
  const folder = join(dir, `${safe}-${stamp}`);
  makeDirs(folder);
  const path = join(folder, 'results.json');
  // results.json first: it is the run's data; the other two can be rebuilt from it (`fleetbench report`).
  writeAtomic(path, `${JSON.stringify(result, null, 2)}\n`);
  writeAtomic(join(folder, 'junit.xml'), toJUnit(result, result.thresholds ?? []));
  writeAtomic(join(folder, 'report.html'), renderReport(result));
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
