// The matrix as JUnit XML: one test suite per target, one test case per (probe, target). ✗ is a
// failure, "could not run" an error, n/a a skipped case with its reason; a regression against
// --baseline is a failure of its own case, so a CI test reporter shows exactly which row broke.
import type { BaselineVerdict } from './baseline.ts';
import type { ProbeMatrix } from './matrix.ts';
import { orderedRows, rowLabel } from './text.ts';

const xml = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // Characters XML 1.0 cannot carry at all.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: they are what is removed
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

export function matrixJUnit(m: ProbeMatrix, baseline?: BaselineVerdict): string {
  const suites = m.targets.map((t) => {
    const cases: string[] = [];
    let failures = 0;
    let errors = 0;
    let skipped = 0;
    let time = 0;
    for (const r of orderedRows(m)) {
      const cell = m.cells[r.id]?.[t.name];
      if (!cell) continue;
      time += cell.elapsedMs / 1000;
      const open = `    <testcase classname="fleetbench.probe.${xml(t.name)}" name="${xml(rowLabel(r))}" time="${(cell.elapsedMs / 1000).toFixed(3)}">`;
      const regression = baseline?.changes.find((c) => c.regression && c.row === r.id && c.target === t.name);
      const body: string[] = [];
      if (regression) {
        failures++;
        body.push(
          `      <failure message="${xml(`regression: was ✓, now ${regression.now}: ${regression.seen}`)}" type="regression">${xml(regression.seen)}</failure>`,
        );
      } else if (cell.status === 'fail') {
        failures++;
        body.push(`      <failure message="${xml(cell.seen)}" type="behaviour">${xml(cell.seen)}</failure>`);
      } else if (cell.status === 'error') {
        errors++;
        body.push(`      <error message="${xml(cell.seen)}" type="could-not-run">${xml(cell.seen)}</error>`);
      } else if (cell.status === 'na') {
        skipped++;
        body.push(`      <skipped message="${xml(`not offered: ${cell.seen}`)}"/>`);
      }
      body.push(`      <system-out>${xml(`${r.spec ? `${r.spec}\n` : ''}${r.file}\n${cell.seen}`)}</system-out>`);
      cases.push(open, ...body, '    </testcase>');
    }
    const count = cases.filter((c) => c.startsWith('    <testcase')).length;
    return [
      `  <testsuite name="${xml(`probe ${t.name}`)}" tests="${count}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time.toFixed(3)}" timestamp="${xml(m.startedAt.slice(0, 19))}" hostname="fleetbench">`,
      '    <properties>',
      `      <property name="target.url" value="${xml(t.url)}"/>`,
      `      <property name="target.protocol" value="${xml(t.protocol)}"/>`,
      '    </properties>',
      ...cases,
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<testsuites name="fleetbench probe">',
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
