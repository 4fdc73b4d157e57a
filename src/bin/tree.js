// Which tree the executables run: dist/ (JavaScript built by `npm run build`, no loader) when it
// is built and up to date, else src/ through the TypeScript loader (tsx). Up to date means built
// after every .ts file under src/ last changed (dist/.built carries the time the build started,
// build.js), so an edit is never run from a stale dist/. FLEETBENCH_SOURCE=1 forces src/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** 'dist' or 'src', for the package at `root`. */
export function pickTree(root = ROOT, env = process.env) {
  if (env.FLEETBENCH_SOURCE === '1') return 'src';
  const stamp = join(root, 'dist', '.built');
  if (!existsSync(stamp)) return 'src';
  const builtAt = statSync(stamp).mtimeMs;
  return newestSource(join(root, 'src')) < builtAt ? 'dist' : 'src';
}

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Imports `module` (a path under src/ or dist/ without extension) from the chosen tree. */
export async function importFromTree(module) {
  if (pickTree() === 'dist') return import(new URL(`../../dist/${module}.js`, import.meta.url).href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(new URL(`../${module}.ts`, import.meta.url).href);
}
