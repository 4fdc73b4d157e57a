// Compiling a user's scenario once, in the main thread, to a plain ES module that the worker
// threads import without any TypeScript loader (issue 16: one loader per run, not one per thread).
//
// The scenario and the local files it imports are bundled by esbuild into one .mjs in a private
// temporary folder. Everything else stays outside the bundle, imported by absolute URL so that it
// resolves the same from the temporary folder as from the scenario's own:
// - 'fleetbench', and files of fleetbench's own source tree, are the modules this process already
//   runs (dist/*.js when built, src/*.ts under a loader), so the scenario's defineScenario, mqtt()…
//   are the very modules the runner uses, loaded once;
// - packages (node_modules) are resolved from the scenario's folder, as Node would;
// - Node's built-ins stay as they are.
// import.meta.url (and .dirname, .filename) of a bundled file keep naming that file.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';

/** This module's tree: 'dist' when running compiled JavaScript, 'src' under a TypeScript loader. */
const HERE = import.meta.url;
const BUILT = !HERE.endsWith('.ts');
/** The running tree (src/ or dist/) and the package's TypeScript sources (src/). */
const TREE = fileURLToPath(new URL('..', HERE));
const SOURCES = join(fileURLToPath(new URL('../..', HERE)), 'src');
const INDEX = new URL(BUILT ? '../index.js' : '../index.ts', HERE).href;

let folder: string | undefined;
let compiled = 0;
let building = 0;

/** A compile failure: esbuild's messages, each with file:line:column. */
export class CompileError extends Error {}

/**
 * Compiles `path` (a .ts/.mts/.js scenario) and returns the file URL of the module to import.
 * Each call writes a new module (the scenario may have changed); the folder goes at exit.
 */
export async function compileScenario(path: string): Promise<string> {
  const esbuild = await import('esbuild');
  if (!folder) {
    const dir = mkdtempSync(join(tmpdir(), 'fleetbench-'));
    folder = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const out = join(folder, `scenario-${++compiled}.mjs`);
  building++;
  try {
    const result = await esbuild.build({
      entryPoints: [path],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      sourcemap: 'inline',
      plugins: [sameModules(), keepMetaUrl()],
    });
    const code = result.outputFiles[0]?.text ?? '';
    writeFileSync(out, code);
  } catch (err) {
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] })
      .errors;
    if (!errors) throw err;
    const lines = errors.map((e) =>
      e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ${e.text}` : e.text,
    );
    throw new CompileError(lines.join('\n'));
  } finally {
    // esbuild's service is a child process: it goes when idle (it restarts on the next compile).
    if (--building === 0) await esbuild.stop();
  }
  return pathToFileURL(out).href;
}

/** Imports that must resolve to modules outside the bundle, by absolute URL. */
function sameModules(): Plugin {
  return {
    name: 'fleetbench-same-modules',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData?.inner) return undefined;
        if (args.path === 'fleetbench') return { path: INDEX, external: true };
        const bare = !args.path.startsWith('.') && !args.path.startsWith('/') && !args.path.startsWith('file:');
        if (bare && isBuiltin(args.path)) return { path: args.path, external: true };
        const found = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: { inner: true },
        });
        if (found.errors.length > 0) return { errors: found.errors };
        const own = ownModule(found.path);
        if (own) return { path: own, external: true };
        if (bare || found.path.includes(`${sep}node_modules${sep}`))
          return { path: pathToFileURL(found.path).href, external: true };
        return { path: found.path };
      });
    },
  };
}

/** A file of fleetbench's own sources, as the running tree's module URL (else undefined). */
function ownModule(file: string): string | undefined {
  const rel = relative(SOURCES, file);
  if (rel.startsWith('..') || rel === file) return undefined;
  if (!BUILT) return pathToFileURL(file).href;
  return pathToFileURL(join(TREE, rel.replace(/\.[cm]?ts$/, '.js'))).href;
}

/** import.meta of a bundled file names that file, not the bundle. */
function keepMetaUrl(): Plugin {
  return {
    name: 'fleetbench-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta')) return undefined;
        const contents = text
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
          .replaceAll('import.meta.filename', JSON.stringify(args.path));
        const ext = extname(args.path).replace(/^\.[cm]/, '.');
        const loader = ext === '.tsx' ? 'tsx' : ext === '.jsx' ? 'jsx' : ext === '.ts' ? 'ts' : 'js';
        return { contents, loader, resolveDir: dirname(args.path) };
      });
    },
  };
}
