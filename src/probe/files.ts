// Finding probes: the built-in catalogue (probes/ at the package's root: one folder per
// protocol) and the folders a user adds with --probes. A probe file is a scenario file (.ts,
// .mts, .js, .mjs) that also exports `probe` (define.ts); other files in the folders are skipped.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { CompileError, compileScenario } from '../dsl/compile.ts';
import { isProbe, type Probe } from './define.ts';

/** The built-in catalogue: probes/ beside src/ (and dist/). */
export const CATALOGUE = fileURLToPath(new URL('../../probes/', import.meta.url));

const EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

export interface ProbeFile {
  /** Stable id: the path under its folder without the extension, '/'-separated ('mqtt/retained'). */
  id: string;
  file: string;
  probe: Probe;
}

/** Every probe file under `dir` (recursively), sorted by id. */
export function probeFilesIn(dir: string): { id: string; file: string }[] {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new FleetbenchError(ErrorCodes.OPTION_INVALID, `--probes ${dir}: not a folder`);
  const out: { id: string; file: string }[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (EXTENSIONS.has(extname(name)) && !name.endsWith('.d.ts')) {
        const id = relative(root, path).slice(0, -extname(name).length).split(sep).join('/');
        out.push({ id, file: path });
      }
    }
  };
  walk(root);
  return out;
}

/**
 * Loads the `probe` export of each file. A file without one is skipped (a helper module); a
 * file that does not compile or whose `probe` is not a probe is an error naming the file.
 */
export async function loadProbes(files: readonly { id: string; file: string }[]): Promise<ProbeFile[]> {
  const loaded = await Promise.all(
    files.map(async ({ id, file }) => {
      let mod: Record<string, unknown>;
      try {
        mod = (await import(await compileScenario(file))) as Record<string, unknown>;
      } catch (err) {
        const why = err instanceof CompileError ? err.message : String((err as Error)?.message ?? err);
        throw new FleetbenchError(ErrorCodes.SCENARIO_LOAD, `${file}: could not load the probe: ${why}`, {
          cause: err,
        });
      }
      if (!('probe' in mod)) return undefined;
      if (!isProbe(mod.probe))
        throw new FleetbenchError(
          ErrorCodes.SCENARIO_INVALID,
          `${file}: probe: expected defineProbe({ behaviour, protocol, ... }), got ${typeof mod.probe}`,
        );
      if (mod.default === undefined)
        throw new FleetbenchError(
          ErrorCodes.SCENARIO_INVALID,
          `${file}: a probe file's default export is its scenario (export default defineScenario(...)); it has none`,
        );
      return { id, file, probe: mod.probe };
    }),
  );
  return loaded.filter((p): p is ProbeFile => p !== undefined);
}

/**
 * The probes to run: the built-in catalogue (unless `catalogue` is false) and every folder of
 * `dirs`. Two files with the same id (a user's probe shadowing a built-in one) is an error
 * naming both, so a row of the matrix always means one file.
 */
export async function probeSet(catalogue: boolean, dirs: readonly string[]): Promise<ProbeFile[]> {
  const files = [...(catalogue ? probeFilesIn(CATALOGUE) : []), ...dirs.flatMap((d) => probeFilesIn(d))];
  const seen = new Map<string, string>();
  for (const f of files) {
    const other = seen.get(f.id);
    if (other)
      throw new FleetbenchError(
        ErrorCodes.OPTION_INVALID,
        `--probes: two probes have the id "${f.id}": ${other} and ${f.file}; rename one (the id is the path under its folder)`,
      );
    seen.set(f.id, f.file);
  }
  const probes = await loadProbes(files);
  if (probes.length === 0)
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `no probes found (${[catalogue ? CATALOGUE : '', ...dirs].filter(Boolean).join(', ') || 'no folder given'}): a probe file exports \`probe\` (defineProbe) and a default scenario`,
    );
  return probes;
}
