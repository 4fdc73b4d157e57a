// Reading a saved results.json back (fleetbench report and compare): checked, with the optional
// blocks an older or trimmed result may lack filled in empty.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { resultShape } from './schema.ts';
import { check, MAX_PROBLEMS } from './shape.ts';
import { RESULT_SCHEMA, type RunResult } from './types.ts';

/**
 * A results.json, or the run folder holding one; a FleetbenchError naming the file when it is
 * missing, not JSON or not a fleetbench result, and, for a corrupt one, each bad field's JSON path
 * and what was expected (schema.ts), one line each.
 */
export function readResult(path: string): RunResult {
  return readResultFile(path).result;
}

/** readResult, also telling which file it read (the folder's results.json). */
export function readResultFile(path: string): { result: RunResult; file: string } {
  let file = path;
  let text: string;
  try {
    if (statSync(path).isDirectory()) file = join(path, 'results.json');
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : String((err as Error).message);
    throw new FleetbenchError(ErrorCodes.RESULT_INVALID, `${file}: cannot read the results file: ${why}`, {
      cause: err,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FleetbenchError(
      ErrorCodes.RESULT_INVALID,
      `${file}: not a fleetbench result: not valid JSON (${(err as Error).message.replace(/\s+/g, ' ')})`,
      { cause: err },
    );
  }
  const r = value as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r))
    throw new FleetbenchError(ErrorCodes.RESULT_INVALID, `${file}: not a fleetbench result: expected a JSON object`);
  if (r.schema !== RESULT_SCHEMA) {
    const got = r.schema === undefined ? 'no "schema" field' : `schema ${JSON.stringify(r.schema)}`;
    throw new FleetbenchError(
      ErrorCodes.RESULT_INVALID,
      `${file}: not a fleetbench result: ${got}, expected "${RESULT_SCHEMA}"`,
    );
  }
  const problems = check(resultShape, r);
  if (problems.length > 0) {
    const more = problems.length >= MAX_PROBLEMS ? `\n${file}: (further problems not listed)` : '';
    throw new FleetbenchError(ErrorCodes.RESULT_INVALID, `${problems.map((p) => `${file}: ${p}`).join('\n')}${more}`);
  }
  const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
  // Optional blocks an older or trimmed result may lack: the report shows them as absent.
  const result = r as unknown as RunResult;
  result.timeline = Array.isArray(r.timeline) ? result.timeline : [];
  result.histograms = isObject(r.histograms) ? result.histograms : {};
  result.codes = isObject(r.codes) ? result.codes : {};
  result.warnings = Array.isArray(r.warnings) ? result.warnings : [];
  result.servers = isObject(r.servers) ? result.servers : {};
  fillReconnectFields(result);
  return { result, file };
}

/** Results written before reconnects were counted lack these figures: nothing was counted, so 0. */
function fillReconnectFields(result: RunResult): void {
  for (const f of Object.values(result.fleets)) {
    const d = f.devices;
    d.faulted ??= 0;
    d.reconnectAttempts ??= 0;
    d.reconnects ??= 0;
    d.unrecovered ??= 0;
    d.downtimeS ??= 0;
    const m = f.messages;
    m.unsent ??= 0;
    m.inDoubt ??= 0;
    m.resent ??= 0;
  }
  for (const d of result.delivery) {
    d.unsent ??= 0;
    d.inDoubt ??= 0;
    d.resent ??= 0;
  }
  for (const p of result.timeline)
    for (const f of Object.values(p.fleets)) {
      f.disconnects ??= 0;
      f.unsent ??= 0;
    }
}
