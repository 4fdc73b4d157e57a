// A run's folder: `<dir>/<scenario>-<timestamp>/` with results.json, junit.xml and report.html.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toJUnit } from '../result/junit.ts';
import type { RunResult } from '../result/types.ts';
import { renderReport } from './html.ts';

/** Writes the run's folder under `dir` and returns the path of its results.json. */
export function writeRunFolder(result: RunResult, dir: string): string {
  const stamp = result.run.startedAt.replace(/[:.]/g, '-').replace(/Z$/, '');
  const safe = result.scenario.name.replace(/[^A-Za-z0-9_-]+/g, '-');
  const folder = join(dir, `${safe}-${stamp}`);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, 'results.json');
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(folder, 'junit.xml'), toJUnit(result, result.thresholds ?? []));
  writeFileSync(join(folder, 'report.html'), renderReport(result));
  return path;
}
