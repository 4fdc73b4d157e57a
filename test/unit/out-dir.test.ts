// The results directory check and atomic writes: refused before a run with a message naming the
// flag, created level by level (Node's recursive mkdir never returns on /proc).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOutDir, makeDirs } from '../../src/report/out-dir.ts';
import { writeAtomic } from '../../src/report/write.ts';

const base = mkdtempSync(join(tmpdir(), 'fb-out-dir-'));

describe('checkOutDir', () => {
  it('creates a missing directory, several levels deep, and leaves no probe behind', () => {
    const dir = join(base, 'a', 'b', 'c');
    checkOutDir(dir);
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a file, and a path through a file, naming the flag', () => {
    const file = join(base, 'file.txt');
    writeFileSync(file, 'x');
    expect(() => checkOutDir(file)).toThrow(`--out ${file}: is not a directory`);
    expect(() => checkOutDir(join(file, 'sub'))).toThrow(`--out ${join(file, 'sub')}: cannot be created (ENOTDIR`);
  });

  it('refuses kernel file systems, also through a symlink, at once', () => {
    const started = Date.now();
    expect(() => checkOutDir('/proc/x/y')).toThrow('--out /proc/x/y: is under /proc, a kernel file system');
    expect(() => checkOutDir('/sys/fleetbench')).toThrow('is under /sys');
    const link = join(base, 'proc-link');
    symlinkSync('/proc/self', link);
    expect(() => checkOutDir(join(link, 'out'))).toThrow('is under /proc');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('makeDirs fails instead of looping where mkdir answers ENOENT for an existing parent', () => {
    expect(() => makeDirs('/proc/x/y')).toThrow(/ENOENT|EACCES|EPERM/);
  });
});

describe('writeAtomic', () => {
  it('replaces the file whole and leaves no temporary file', () => {
    const dir = join(base, 'atomic');
    mkdirSync(dir);
    const file = join(dir, 'results.json');
    writeAtomic(file, 'one');
    writeAtomic(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['results.json']);
  });

  it('throws and cleans up when the folder is gone', () => {
    const dir = join(base, 'gone');
    expect(() => writeAtomic(join(dir, 'results.json'), 'x')).toThrow(/ENOENT/);
    expect(existsSync(dir)).toBe(false);
  });
});
