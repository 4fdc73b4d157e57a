#!/usr/bin/env node
// `npm run bench`: registers the TypeScript loader and runs the benchmark suite.
import { register } from 'tsx/esm/api';

register();
await import('../bench/main.ts');
