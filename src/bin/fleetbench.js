#!/usr/bin/env node
// The `fleetbench` executable. fleetbench ships TypeScript sources and runs them through tsx,
// so neither fleetbench nor a user's scenario needs a build step.
import { register } from 'tsx/esm/api';

// `fleetbench validate x.ts | head -1`: a reader that goes away is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
