// The import graph (dependency-cruiser with the project's .dependency-cruiser.cjs): no circles,
// type-only imports included, and layers that point one way. A fixture with a circle and an
// upward import proves the rules can fail.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

async function cruise(cwd: string): Promise<{ violations: Violation[]; modules: number }> {
  const args = ['src', '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'];
  // depcruise exits non-zero when it finds violations; the JSON on stdout says which.
  const { stdout } = await promisify(execFile)(DEPCRUISE, args, { cwd, maxBuffer: 64 << 20 }).catch(
    (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
  );
  const out = JSON.parse(stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  return { violations: out.summary.violations, modules: out.summary.totalCruised };
}

describe('import graph', () => {
  it('has no circles and no import from a higher layer in src/', async () => {
    const { violations, modules } = await cruise(ROOT);
    expect(modules).toBeGreaterThan(100);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  }, 60_000);

  it('catches a circle and an upward import (the rules can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-layers-'));
    cpSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    mkdirSync(join(dir, 'src', 'base'), { recursive: true });
    mkdirSync(join(dir, 'src', 'runner'), { recursive: true });
    mkdirSync(join(dir, 'src', 'report'), { recursive: true });
    mkdirSync(join(dir, 'src', 'compare'), { recursive: true });
    writeFileSync(join(dir, 'src', 'base', 'a.ts'), "import type { B } from '../runner/b.ts';\nexport type A = B[];\n");
    writeFileSync(
      join(dir, 'src', 'runner', 'b.ts'),
      "import type { A } from '../base/a.ts';\nexport type B = { a?: A };\n",
    );
    writeFileSync(join(dir, 'src', 'report', 'c.ts'), "export { d } from '../compare/d.ts';\n");
    writeFileSync(join(dir, 'src', 'compare', 'd.ts'), 'export const d = 1;\n');
    const { violations } = await cruise(dir);
    const found = violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(found).toContain('layer-base: src/base/a.ts → src/runner/b.ts');
    expect(found).toContain('no-circular: src/base/a.ts → src/runner/b.ts');
    expect(found).toContain('sibling-report-report: src/report/c.ts → src/compare/d.ts');
  }, 60_000);
});
