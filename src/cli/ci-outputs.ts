// What `fleetbench run` leaves for CI besides the console: the paths of the files it wrote, the
// Markdown verdict (--summary-md, and $GITHUB_STEP_SUMMARY when set), and for a run that ended
// in an error, a junit.xml and a Markdown verdict that carry the message.
import { appendFileSync, lstatSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { errorMessage, isFleetbenchError } from '../base/errors.ts';
import { LATEST, writeFailedRun } from '../report/out-folder.ts';
import { errorMarkdown, type OutputFiles, runMarkdown } from '../result/markdown.ts';
import type { RunResult } from '../result/types.ts';
import { ExitCode } from './exit-codes.ts';

/** Where the run's files go, as the options gave it. */
export interface OutPlace {
  out: string;
  exact?: string;
  /** --summary-md */
  summaryMd?: string;
}

type Write = (text: string) => void;

/** Prints where results.json, report.html and junit.xml are (and the latest link) and returns them. */
export function printFiles(resultPath: string, place: OutPlace, write: Write): OutputFiles {
  const folder = dirname(resultPath);
  const files = { results: resultPath, report: join(folder, 'report.html'), junit: join(folder, 'junit.xml') };
  const lines = [`results: ${files.results}`, `report:  ${files.report}`, `junit:   ${files.junit}`];
  const latest = join(place.out, LATEST);
  if (place.exact === undefined && resolve(dirname(folder)) === resolve(place.out) && isLink(latest))
    lines.push(`latest:  ${latest} → ${basename(folder)}`);
  write(`\n${lines.join('\n')}\n`);
  return files;
}

/** Whether `path` is a symbolic link; false when it, or a folder on the way, is not there or is a file. */
function isLink(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true;
  } catch {
    return false;
  }
}

/** The run's Markdown verdict, to --summary-md and appended to the job summary when CI names one. */
export function writeRunMarkdown(result: RunResult, files: OutputFiles, place: OutPlace, warn: Write): void {
  writeMarkdown(runMarkdown(result, files), place.summaryMd, warn);
}

/**
 * A run that ended in an error: junit.xml with one failed case (in the run's folder, linked as
 * latest) and the Markdown verdict, so CI reporters say why. Never throws: the error itself is
 * what the user must see.
 */
export function recordFailure(
  err: unknown,
  scenario: { name: string; file: string },
  startedAt: Date,
  place: OutPlace,
  write: Write,
  warn: Write,
): void {
  const message = errorMessage(err);
  const code = isFleetbenchError(err) ? err.code : 'INTERNAL';
  const written = writeFailedRun(
    { scenario: scenario.name, message, code, startedAt: startedAt.toISOString() },
    place.exact === undefined ? { out: place.out } : { out: place.out, exact: place.exact },
  );
  if (written.warning) warn(written.warning);
  if (written.junit) write(`junit:   ${written.junit} (the run ended in an error)\n`);
  const exitCode = isFleetbenchError(err) ? ExitCode.usage : ExitCode.internal;
  writeMarkdown(
    errorMarkdown(
      { scenario: scenario.name, file: scenario.file, message, exitCode },
      written.junit ? { junit: written.junit } : {},
    ),
    place.summaryMd,
    warn,
  );
}

/** A scenario that did not load is named after its file. */
export function scenarioFromFile(file: string): { name: string; file: string } {
  return { name: basename(file).replace(/\.[cm]?[jt]s$/, ''), file };
}

/** `md` to `file` (--summary-md), and appended to $GITHUB_STEP_SUMMARY when CI names one; failures are warnings. */
export function writeMarkdown(md: string, file: string | undefined, warn: Write): void {
  const step = process.env.GITHUB_STEP_SUMMARY;
  // The same file twice (--summary-md "$GITHUB_STEP_SUMMARY") is appended once.
  if (file !== undefined && (!step || resolve(file) !== resolve(step)))
    attempt(() => writeFileSync(file, md), `--summary-md ${file}`, warn);
  if (step) attempt(() => appendFileSync(step, `${md}\n`), `GITHUB_STEP_SUMMARY ${step}`, warn);
}

function attempt(action: () => void, what: string, warn: Write): void {
  try {
    action();
  } catch (err) {
    warn(`${what}: cannot write the Markdown summary (${errorMessage(err)})`);
  }
}
