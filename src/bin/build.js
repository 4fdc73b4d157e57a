#!/usr/bin/env node
// `npm run build` (and `npm ci`, through prepare): compiles src/ to dist/ with
// tsconfig.build.json, then stamps dist/.built with the time the build *started*, so a source
// edited during the build makes dist/ stale (tree.js) instead of passing for built.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const startedAt = new Date();
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // An install without dev dependencies: the executables run the sources through tsx (tree.js).
  console.warn('fleetbench: typescript is not installed, dist/ not built; running from src/');
  process.exit(0);
}
const { status } = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (status !== 0) process.exit(status ?? 1);
const stamp = `${root}/dist/.built`;
closeSync(openSync(stamp, 'w'));
utimesSync(stamp, startedAt, startedAt);
