// Where a run's files go: `<out>/<scenario>-<timestamp>/` with a `latest` link beside it that
// always names the newest run, or one fixed folder (--out-exact) rewritten by every run. A run
// that ends in an error still leaves a junit.xml there, so a CI test reporter sees why.
import { lstatSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { errorMessage } from '../base/errors.ts';
import { errorJUnit } from '../result/junit.ts';
import { makeDirs } from './out-dir.ts';

/** The name of the link in the --out folder that points at the newest run's folder. */
export const LATEST = 'latest';

/** `<scenario>-<timestamp>`: the folder of one run under --out. */
export function runFolderName(scenario: string, startedAt: string): string {
  const stamp = startedAt.replace(/[:.]/g, '-').replace(/Z$/, '');
  return `${scenario.replace(/[^A-Za-z0-9_-]+/g, '-')}-${stamp}`;
}

/**
 * Points `<out>/latest` at `folder` (a relative link, replaced atomically). Returns a warning
 * when it cannot: a `latest` that is a real file or folder is left alone.
 */
export function updateLatest(out: string, folder: string): string | undefined {
  const link = join(out, LATEST);
  try {
    const existing = lstatSync(link, { throwIfNoEntry: false });
    if (existing && !existing.isSymbolicLink())
      return `${link} exists and is not a link: left alone, so it does not name the newest run`;
    const temp = join(out, `.${LATEST}-${process.pid}`);
    rmSync(temp, { force: true });
    // A junction on Windows (no privilege needed) must be absolute; elsewhere the link stays
    // relative, so the folder can be moved or archived whole.
    const target = process.platform === 'win32' ? resolve(folder) : basename(folder);
    symlinkSync(target, temp, 'junction');
    renameSync(temp, link);
    return undefined;
  } catch (err) {
    return `${link}: could not point it at the newest run (${errorMessage(err)})`;
  }
}

export interface FailedRun {
  /** The scenario's name when it loaded, else the file's name without its extension. */
  scenario: string;
  message: string;
  /** The error's stable code (FB_…), or INTERNAL for a fleetbench bug. */
  code: string;
  startedAt: string;
}

/**
 * Writes junit.xml for a run that ended in an error, into `exact` or a new run folder under
 * `out` (then linked as latest). Returns the file's path and any warning.
 */
export function writeFailedRun(
  failure: FailedRun,
  place: { out: string; exact?: string },
): { junit?: string; warning?: string } {
  const folder = place.exact ?? join(place.out, runFolderName(failure.scenario, failure.startedAt));
  try {
    makeDirs(folder);
    // A fixed folder still holds the previous run's files: they would pass for this run's.
    if (place.exact !== undefined)
      for (const stale of ['results.json', 'report.html']) rmSync(join(folder, stale), { force: true });
    const junit = join(folder, 'junit.xml');
    writeFileSync(junit, errorJUnit(failure));
    const warning = place.exact === undefined ? updateLatest(place.out, folder) : undefined;
    return warning === undefined ? { junit } : { junit, warning };
  } catch (err) {
    return { warning: `${folder}: could not write junit.xml for the failed run (${errorMessage(err)})` };
  }
}
