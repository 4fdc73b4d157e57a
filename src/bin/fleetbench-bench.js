#!/usr/bin/env node
// `npm run bench`: runs the benchmark suite from dist/ when built and current, else from the
// TypeScript sources through tsx (tree.js).
import { importFromTree } from './tree.js';

await importFromTree('bench/main');
