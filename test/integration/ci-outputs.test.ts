// What a CI job gets from `fleetbench run`, through the real executable against the embedded
// servers: a console that fits the terminal at any width with its key figures, the paths of the
// files, the Markdown verdict (--summary-md and $GITHUB_STEP_SUMMARY), the stable locations
// (--out-exact, the latest link), and a junit.xml even when the run ends in an error.
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatCount, formatUs } from '../../src/base/format.ts';
import { summary } from '../../src/cli/summary.ts';
import type { RunResult } from '../../src/result/types.ts';
import { freePort } from '../helpers/brokers.ts';
import { type CliResult, runCli, writeScenario } from '../helpers/scenario.ts';

const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;
const WORK = mkdtempSync(join(tmpdir(), 'fb-ci-'));

/** The real executable with extra environment variables (COLUMNS, GITHUB_STEP_SUMMARY). */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { env, timeoutMs: 90_000 });
}

/** A one-fleet scenario: 3 devices × 20 QoS 1 messages, watched by a backend, plus one soil fleet to the embedded server. */
const SCENARIO = writeScenario(
  'ci-outputs',
  `export default defineScenario({
    name: 'ci-outputs', duration: '10s', drain: '1s',
    fleets: {
      sensors: { count: 3, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/ci/{id}', send: every('25ms'), messages: 20, payload: bytes(32) },
      soil: { count: 2, protocol: coap({ type: 'NON', method: 'POST' }), path: '/ci/{id}', send: every('50ms'), messages: 10, payload: bytes(24) },
    },
    observers: { backend: { protocol: mqtt({ qos: 1 }), receives: ['sensors'] } },
    thresholds: { 'sensors.loss': ['rate < 0.5'] },
  });`,
);
/** One fleet only: a refused target leaves nothing to run, so preflight ends the run with exit 2. */
const ONE_FLEET = writeScenario(
  'ci-one-fleet',
  `export default defineScenario({
    name: 'ci-one-fleet', duration: '2s', drain: '500ms',
    fleets: { sensors: { count: 2, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/ci1/{id}', send: every('100ms'), payload: bytes(32) } },
  });`,
);
const lengths = (text: string): number[] => text.split('\n').map((l) => [...l].length);

describe('fleetbench run for CI', () => {
  const out = join(WORK, 'reports');
  const md = join(WORK, 'summary.md');
  const step = join(WORK, 'step-summary.md');
  let run: CliResult;
  let result: RunResult;
  let folder: string;

  beforeAll(async () => {
    writeFileSync(step, '## an earlier step\n');
    run = await cli(['run', SCENARIO, '-q', '--out', out, '--summary-md', md], {
      COLUMNS: '60',
      GITHUB_STEP_SUMMARY: step,
    });
    expect(run.code, run.stderr).toBe(0);
    folder = readdirSync(out).find((d) => d.startsWith('ci-outputs-')) as string;
    result = JSON.parse(readFileSync(join(out, folder, 'results.json'), 'utf8')) as RunResult;
  }, 120_000);

  it('prints every line within COLUMNS, then the paths of results.json, report.html, junit.xml and latest', () => {
    // File paths are printed whole, so that they can be copied.
    const [console, files] = run.stdout.split('\nresults: ');
    expect(files).toBeDefined();
    expect(Math.max(...lengths(console as string))).toBeLessThanOrEqual(60);
    expect(lengths(console as string).filter((n) => n > 50).length).toBeGreaterThan(0);
    const dir = join(out, folder);
    expect(run.stdout).toContain(
      [
        `results: ${dir}/results.json`,
        `report:  ${dir}/report.html`,
        `junit:   ${dir}/junit.xml`,
        `latest:  ${out}/latest → ${folder}`,
      ].join('\n'),
    );
    for (const f of ['results.json', 'report.html', 'junit.xml']) expect(existsSync(join(dir, f))).toBe(true);
    expect(lstatSync(join(out, 'latest')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(out, 'latest'))).toBe(folder);
    expect(readFileSync(join(out, 'latest', 'results.json'), 'utf8')).toContain(result.run.id);
  });

  it('writes the Markdown verdict to --summary-md and appends it to $GITHUB_STEP_SUMMARY', () => {
    const text = readFileSync(md, 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe('### fleetbench `ci-outputs`: ✅ passed');
    expect(text).toContain(`run \`${result.run.id}\``);
    const t = result.thresholds![0]!;
    expect(lines).toContain(`| sensors.loss | \`rate < 0.5\` | ${t.actualText} | ${t.limitText} | ✅ |`);
    const sensors = result.fleets.sensors!;
    const d = result.delivery.find((x) => x.from === 'sensors')!;
    expect(sensors.messages.sent).toBe(60);
    expect(lines).toContain(
      `| sensors | fleet/mqtt | 3/3 | 60 | 0 | ${+((100 * d.lost) / d.expected).toFixed(3)}% (${d.lost}) | ${formatUs(d.latency.corrected.p99)} (e2e) | 0 |`,
    );
    expect(lines).toContain(
      `| backend | observer/mqtt | 1/1 | 0 | ${result.fleets.backend!.messages.received} | ${+((100 * d.lost) / d.expected).toFixed(3)}% (${d.lost}) | ${formatUs(d.latency.corrected.p99)} (e2e) | 0 |`,
    );
    expect(text).toContain(`- junit.xml: \`${join(out, folder, 'junit.xml')}\``);
    expect(readFileSync(step, 'utf8')).toBe(`## an earlier step\n${text}\n`);
  });

  it.each([60, 80, 120, 200])(
    'fits the summary of the real run in %i columns with sent, received, loss and p99',
    (width) => {
      const text = summary(result, width);
      expect(Math.max(...lengths(text))).toBeLessThanOrEqual(width);
      for (const name of ['sensors', 'soil', 'backend']) {
        const f = result.fleets[name]!;
        expect(figure(text, name, 'sent'), `${name} sent at ${width}`).toBe(formatCount(f.messages.sent));
        expect(figure(text, name, 'recv'), `${name} recv at ${width}`).toBe(formatCount(f.messages.received));
      }
      const d = result.delivery.find((x) => x.from === 'sensors')!;
      const row = 'sensors → backend';
      expect(figure(text, row, 'received')).toBe(formatCount(d.unique));
      expect(figure(text, row, 'lost')).toBe(formatCount(d.lost));
      const { p50, p99, max } = d.latency.corrected;
      expect(figure(text, row, 'e2e p50/p99/max')).toBe(`${formatUs(p50)} / ${formatUs(p99)} / ${formatUs(max)}`);
      expect(figure(text, 'sensors.loss', 'verdict')).toBe('✓');
    },
  );

  it('writes the verdict of compare to --summary-md and $GITHUB_STEP_SUMMARY', async () => {
    const baseline = join(out, folder, 'results.json');
    // The same run with the sensors sending at half the rate: a throughput regression.
    const slower = join(WORK, 'slower.json');
    const sensors = result.fleets.sensors!;
    const halved = { ...sensors, rates: { ...sensors.rates, sentPerS: sensors.rates.sentPerS / 2 } };
    writeFileSync(slower, JSON.stringify({ ...result, fleets: { ...result.fleets, sensors: halved } }));
    const cmp = join(WORK, 'compare.md');
    const before = readFileSync(step, 'utf8');
    const r = await cli(['compare', baseline, slower, '--summary-md', cmp], { GITHUB_STEP_SUMMARY: step });
    expect(r.code, r.stderr).toBe(1);
    const text = readFileSync(cmp, 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe('### fleetbench compare: ❌ REGRESSION (1 metric(s) over their limit)');
    expect(lines).toContain(`- baseline: \`${baseline}\` (ci-outputs, run ${result.run.id}, ${result.run.startedAt})`);
    expect(lines).toContain('| fleet | metric | baseline | candidate | change | limit | verdict |');
    expect(text).toMatch(/^\| sensors \| throughput \| [\d.]+\/s \| [\d.]+\/s \| -50\.0% \| -10% \| ❌ \|$/m);
    expect(text).toMatch(/^\| sensors \| p50 \(e2e\) \| .* \| 0\.0% \| \+100% \| ✅ \|$/m);
    expect(readFileSync(step, 'utf8')).toBe(`${before}${text}\n`);
    const same = await cli(['compare', baseline, baseline, '--summary-md', cmp]);
    expect(same.code, same.stderr).toBe(0);
    expect(readFileSync(cmp, 'utf8').split('\n')[0]).toBe('### fleetbench compare: ✅ no regression');
  }, 60_000);

  it('writes the files straight into --out-exact, and nothing else there', async () => {
    const exact = join(WORK, 'exact');
    const r = await cli(['run', SCENARIO, '-q', '--out-exact', exact]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(exact).sort()).toEqual(['junit.xml', 'report.html', 'results.json']);
    expect(r.stdout).toContain(
      `results: ${exact}/results.json\nreport:  ${exact}/report.html\njunit:   ${exact}/junit.xml\n`,
    );
    expect(r.stdout).not.toContain('latest:');
    // A refused target afterwards: the folder then holds only the failed run's junit.xml.
    const port = await freePort();
    const failed = await cli(['run', ONE_FLEET, '-q', '--out-exact', exact, '-t', `mqtt=mqtt://127.0.0.1:${port}`]);
    expect(failed.code).toBe(2);
    expect(readdirSync(exact)).toEqual(['junit.xml']);
    expect(readFileSync(join(exact, 'junit.xml'), 'utf8')).toContain('type="FB_CONNECT_REFUSED"');
  }, 120_000);

  it('writes junit.xml and the Markdown verdict when preflight fails (exit 2), and points latest at it', async () => {
    const port = await freePort();
    const r = await cli(
      ['run', ONE_FLEET, '-q', '--out', out, '--summary-md', md, '-t', `mqtt=mqtt://127.0.0.1:${port}`],
      {
        GITHUB_STEP_SUMMARY: step,
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`fleetbench: mqtt://127.0.0.1:${port}: cannot connect`);
    expect(r.stderr).not.toMatch(NO_STACK);
    const latest = readlinkSync(join(out, 'latest'));
    expect(latest).not.toBe(folder);
    expect(latest).toMatch(/^ci-one-fleet-\d{4}-/);
    const junit = join(out, latest, 'junit.xml');
    expect(r.stdout).toBe(`junit:   ${junit} (the run ended in an error)\n`);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testsuite name="ci-one-fleet" tests="1" failures="1"');
    expect(xml).toContain('<testcase classname="fleetbench.ci-one-fleet.run" name="run completed" time="0">');
    expect(xml).toMatch(
      new RegExp(`<failure message="mqtt://127\\.0\\.0\\.1:${port}: cannot connect[^"]*" type="FB_CONNECT_REFUSED">`),
    );
    const text = readFileSync(md, 'utf8');
    expect(text.split('\n')[0]).toBe('### fleetbench `ci-one-fleet`: ❌ ERROR (exit 2)');
    expect(text).toContain(`mqtt://127.0.0.1:${port}: cannot connect`);
    expect(readFileSync(step, 'utf8').endsWith(`\n${text}\n`)).toBe(true);
  }, 60_000);

  it('names the junit.xml of a scenario that does not load after its file', async () => {
    const file = writeScenario('ci-broken', 'export default {');
    const r = await cli(['run', file, '-q', '--out', out]);
    expect(r.code).toBe(2);
    const name = file.split('/').pop()!.replace(/\.ts$/, '');
    const latest = readlinkSync(join(out, 'latest'));
    expect(latest.startsWith(`${name}-`)).toBe(true);
    const xml = readFileSync(join(out, latest, 'junit.xml'), 'utf8');
    expect(xml).toContain(`<testsuite name="${name}" tests="1" failures="1"`);
    expect(xml).toContain('type="FB_SCENARIO_LOAD"');
  }, 60_000);
});

/**
 * A figure of the console summary by row and heading, in whichever layout it was printed: a
 * table or its panels (a heading line over a rule line of ─ runs) or stacked `heading: value` rows.
 */
function figure(text: string, row: string, heading: string): string | undefined {
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const rule = lines[i + 1] as string;
    if (!/^─+( +─+)+$/.test(rule)) continue;
    const spans = [...rule.matchAll(/─+/g)].map((m) => [m.index, m.index + m[0].length] as const);
    const cell = (line: string, k: number): string => line.slice(spans[k]![0], spans[k]![1]).trim();
    const col = spans.findIndex((_, k) => cell(lines[i] as string, k) === heading);
    if (col < 0) continue;
    for (let j = i + 2; j < lines.length && lines[j] !== ''; j++)
      if (cell(lines[j] as string, 0) === row) return cell(lines[j] as string, col);
  }
  // Stacked: the row's name alone on a line, then indented lines of pairs.
  for (let i = lines.indexOf(row); i >= 0; i = lines.indexOf(row, i + 1)) {
    for (let j = i + 1; j < lines.length && lines[j]!.startsWith('  '); j++) {
      const m = new RegExp(`(?:^  |· )${heading.replace(/[/.]/g, '\\$&')}: (.*?)(?: · |$)`).exec(lines[j] as string);
      if (m) return m[1];
    }
  }
  return undefined;
}
