// `fleetbench report <results>`: rebuild the self-contained HTML report from a saved results.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { ErrorCodes, FleetbenchError } from '../errors.ts';
import { renderReport } from '../report/html.ts';
import { RESULT_SCHEMA, type RunResult } from '../result/types.ts';
import { ExitCode } from './exit-codes.ts';

export interface ReportArgs {
  results: string;
  out: string | undefined;
}

export const reportCommand = {
  command: 'report <results>',
  describe: 'Rebuild the HTML report from a saved results.json',
  builder: (y: Argv) =>
    y
      .positional('results', { type: 'string', demandOption: true, describe: 'A results.json written by fleetbench run' })
      .option('out', { alias: 'o', type: 'string', describe: 'Report file (default: report.html next to the results file)' }),
};

/** Reads and checks a saved result: a FleetbenchError naming the file when it is missing, not JSON or not a fleetbench result. */
export function readResult(file: string): RunResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((err as Error).message);
    throw new FleetbenchError(ErrorCodes.RESULT_INVALID, `${file}: cannot read the results file: ${why}`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FleetbenchError(ErrorCodes.RESULT_INVALID, `${file}: not a fleetbench result: not valid JSON (${(err as Error).message.replace(/\s+/g, ' ')})`, { cause: err });
  }
  const r = value as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new FleetbenchError(ErrorCodes.RESULT_INVALID, `${file}: not a fleetbench result: expected a JSON object`);
  if (r.schema !== RESULT_SCHEMA) {
    const got = r.schema === undefined ? 'no "schema" field' : `schema ${JSON.stringify(r.schema)}`;
    throw new FleetbenchError(ErrorCodes.RESULT_INVALID, `${file}: not a fleetbench result: ${got}, expected "${RESULT_SCHEMA}"`);
  }
  const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
  const missing = [
    ...(['scenario', 'run', 'environment', 'fleets', 'targets'] as const).filter((k) => !isObject(r[k])),
    ...(['delivery', 'errors'] as const).filter((k) => !Array.isArray(r[k])),
  ];
  if (missing.length > 0) throw new FleetbenchError(ErrorCodes.RESULT_INVALID, `${file}: not a complete fleetbench result: missing or malformed ${missing.join(', ')}`);
  // Optional blocks an older or trimmed result may lack: the report shows them as absent.
  const result = r as unknown as RunResult;
  result.timeline = Array.isArray(r.timeline) ? result.timeline : [];
  result.histograms = isObject(r.histograms) ? result.histograms : {};
  result.codes = isObject(r.codes) ? result.codes : {};
  result.warnings = Array.isArray(r.warnings) ? result.warnings : [];
  return result;
}

export async function reportHandler(args: ReportArgs): Promise<number> {
  const result = readResult(args.results);
  const out = resolve(args.out ?? join(dirname(args.results), 'report.html'));
  const html = renderReport(result);
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, html);
  } catch (err) {
    throw new FleetbenchError(ErrorCodes.OPTION_INVALID, `--out ${out}: cannot write the report: ${(err as Error).message}`, { cause: err });
  }
  process.stdout.write(`report: ${out} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB)\n`);
  return ExitCode.ok;
}
