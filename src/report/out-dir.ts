// The results directory (`--out`): checked before a run starts, so a run never executes only to
// find it cannot keep its data, and created without Node's recursive mkdir, which loops forever
// on /proc (mkdir there answers ENOENT even when the parent exists).
import { mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { ErrorCodes, errorMessage, FleetbenchError } from '../base/errors.ts';

/** Kernel file systems: writes there fail or never complete; results do not belong there. */
const VIRTUAL_ROOTS = ['/proc', '/sys', '/dev'];

/** `mkdir -p` one level at a time: each step either creates a directory or fails, never loops. */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  while (!exists(at)) {
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

/**
 * Refuses (FleetbenchError naming `flag`) a results directory that is a file, under a kernel file
 * system, cannot be created, or where a file cannot be created, renamed over and removed.
 * Creates the directory when it is missing.
 */
export function checkOutDir(dir: string, flag = '--out'): void {
  const fail = (why: string): never => {
    throw new FleetbenchError(ErrorCodes.OPTION_INVALID, `${flag} ${dir}: ${why}`);
  };
  const full = resolve(dir);
  const real = realOfNearest(full);
  const root = VIRTUAL_ROOTS.find((r) => real === r || real.startsWith(`${r}${sep}`));
  if (root) fail(`is under ${root}, a kernel file system where results cannot be kept; choose another directory`);
  const stat = statOrUndefined(full);
  if (stat && !stat.isDirectory()) fail('is not a directory (a file of that name exists); choose a directory');
  try {
    makeDirs(full);
  } catch (err) {
    fail(`cannot be created (${errorMessage(err)})`);
  }
  const probe = join(full, `.fleetbench-probe-${process.pid}-${Date.now()}`);
  try {
    writeFileSync(probe, 'probe\n');
    rmSync(probe);
  } catch (err) {
    rmSync(probe, { force: true });
    fail(`is not writable (${errorMessage(err)})`);
  }
}

function exists(path: string): boolean {
  return statOrUndefined(path) !== undefined;
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The real path of `path`, or of its nearest existing ancestor: symlinks into /proc count as /proc. */
function realOfNearest(path: string): string {
  let at = path;
  for (;;) {
    try {
      const real = realpathSync(at);
      return at === path ? real : join(real, path.slice(at.length));
    } catch {
      const parent = dirname(at);
      if (parent === at) return path;
      at = parent;
    }
  }
}
