// Which tree the executables run (src/bin/tree.js): dist/ only when built after every source.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript module of the bin, without types.
import { pickTree } from '../../src/bin/tree.js';

const root = mkdtempSync(join(tmpdir(), 'fb-tree-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const at = (file: string, seconds: number): void => {
  const path = join(root, file);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
  utimesSync(path, seconds, seconds);
};

describe('pickTree', () => {
  it('runs the sources until a build is stamped after every .ts under src/', () => {
    at('src/cli/main.ts', 1000);
    at('src/runner/pool.ts', 2000);
    expect(pickTree(root, {})).toBe('src'); // never built
    at('dist/.built', 1500);
    expect(pickTree(root, {})).toBe('src'); // pool.ts changed after the build started
    at('dist/.built', 2500);
    expect(pickTree(root, {})).toBe('dist');
    expect(pickTree(root, { FLEETBENCH_SOURCE: '1' })).toBe('src');
    at('src/runner/deep/new.ts', 3000); // an edit, however deep
    expect(pickTree(root, {})).toBe('src');
  });
});
