#!/usr/bin/env node
// The `fleetbench` executable. It runs the JavaScript that `npm run build` (run by `npm ci`)
// puts in dist/, with no TypeScript loader; without a build, or with sources newer than it,
// it runs the TypeScript sources through tsx (tree.js). A user's scenario needs no build step
// either way: the main thread compiles it once (src/dsl/compile.ts).
import { importFromTree } from './tree.js';

// `fleetbench validate x.ts | head -1`: a reader that goes away is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const { main } = await importFromTree('cli/main');
process.exitCode = await main(process.argv.slice(2));
