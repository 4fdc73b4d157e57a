#!/usr/bin/env node
// The `fleetbench` executable. fleetbench ships TypeScript sources and runs them through tsx,
// so neither fleetbench nor a user's scenario needs a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
