// Corrupt results.json files through `fleetbench report` and `fleetbench compare` (the CLI's entry, all in one process): a
// real quickstart result, damaged one field at a time. Each must end in exit 2 with a message
// that names the file and the bad field's JSON path, never a stack trace or "internal error".
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resultShape } from '../../src/result/schema.ts';
import { check } from '../../src/result/shape.ts';
import { cliBatch } from '../helpers/cli-batch.ts';
import { runCli, TMP_DIR } from '../helpers/scenario.ts';

const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;
const OUT = join(TMP_DIR, `sweep-${process.pid}`);

// biome-ignore lint/suspicious/noExplicitAny: a parsed results.json, damaged on purpose
type Json = any;

/** Name, damage, and the field path the message must name. */
const VARIANTS: [string, (r: Json) => void, string][] = [
  ['messages null', (r) => (r.fleets.gps.messages = null), 'fleets.gps.messages: expected an object, got null'],
  [
    'sent as a string',
    (r) => (r.fleets.gps.messages.sent = '12'),
    'fleets.gps.messages.sent: expected a whole number ≥ 0, got "12"',
  ],
  ['delivery [{}]', (r) => (r.delivery = [{}]), 'delivery[0].from: expected a string, got nothing'],
  ['delivery latency missing', (r) => delete r.delivery[0].latency, 'delivery[0].latency: expected an object'],
  [
    'verdict kept not boolean',
    (r) => (r.delivery[0].verdict.kept = 'yes'),
    'delivery[0].verdict.kept: expected true or false, got "yes"',
  ],
  [
    'histogram not base64',
    (r) => (r.histograms['gps|connect'] = 'not base64!'),
    'histograms["gps|connect"]: expected a compressed base64 HDR histogram, got other text',
  ],
  [
    'histogram base64 garbage',
    (r) => (r.histograms['gps|connect'] = 'AAAAAAAA'),
    'histograms["gps|connect"]: expected a compressed base64 HDR histogram, got one that does not decode',
  ],
  ['timeline entry a number', (r) => (r.timeline[0] = 5), 'timeline[0]: expected an object, got 5'],
  ['timeline phase unknown', (r) => (r.timeline[1].phase = 'warmup'), 'timeline[1].phase: expected one of'],
  [
    'timeline fleets figure a string',
    (r) => (r.timeline[0].fleets.gps = { ...r.timeline[0].fleets.gps, connected: '3' }),
    'timeline[0].fleets.gps.connected: expected a number, got "3"',
  ],
  ['thresholds an object', (r) => (r.thresholds = { a: 1 }), 'thresholds: expected an array, got an object'],
  [
    'threshold passed a string',
    (r) => (r.thresholds = [{ key: 'x', passed: 'no' }]),
    'thresholds[0].expression: expected a string',
  ],
  ['fleets an array', (r) => (r.fleets = []), 'fleets: expected an object, got an array'],
  [
    'fleet latency p99 a string',
    (r) => (r.fleets.gps.latency.connect.p99 = '1ms'),
    'fleets.gps.latency.connect.p99: expected a number, got "1ms"',
  ],
  [
    'rates missing',
    (r) => delete r.fleets.temperature.rates,
    'fleets.temperature.rates: expected an object, got nothing',
  ],
  [
    'errors entry wrong',
    (r) => (r.errors = [{ group: 'gps', code: 1, count: -1, message: 'm' }]),
    'errors[0].code: expected a string, got 1',
  ],
  ['run.partial a string', (r) => (r.run.partial = 'false'), 'run.partial: expected true or false, got "false"'],
  ['targets values', (r) => (r.targets = { a: 5 }), 'targets.a: expected a string, got 5'],
  ['codes a string', (r) => (r.codes = 'x'), 'codes: expected an object, got "x"'],
  [
    'kind unknown',
    (r) => (r.fleets.gps.kind = 'robot'),
    'fleets.gps.kind: expected one of "fleet", "observer", "command", "server", got "robot"',
  ],
];

describe('corrupt results.json through report and compare', () => {
  let good: string;
  let base: Json;
  beforeAll(async () => {
    // Exit code aside (a busy machine may fail a health check): what matters is the file it wrote.
    const r = await runCli(['run', 'scenarios/quickstart.ts', '-q', '-d', '1s', '--out', OUT], {
      timeoutMs: 90_000,
    });
    const path = /^results: (.+)$/m.exec(r.stdout)?.[1];
    expect(path, r.stderr).toBeDefined();
    good = path as string;
    base = JSON.parse(readFileSync(good, 'utf8'));
  }, 100_000);

  it('a result the quickstart just wrote passes the schema, and report and compare read it', async () => {
    expect(check(resultShape, base)).toEqual([]);
    const report = await runCli(['report', good, '--out', join(OUT, 'good.html')]);
    expect(report.code, report.stderr).toBe(0);
    const compare = await runCli(['compare', good, good]);
    expect(compare.code, compare.stderr).toBe(0);
  });

  it(`rejects ${VARIANTS.length} corrupt variants in both commands: exit 2, file and field named, no stack`, async () => {
    expect(VARIANTS.length).toBeGreaterThanOrEqual(15);
    mkdirSync(OUT, { recursive: true });
    const cases = VARIANTS.map(([name, damage, expected], i) => {
      // The damaged file as the candidate, or (every other one) as the baseline.
      const r = structuredClone(base);
      damage(r);
      const file = join(OUT, `bad-${i}.json`);
      writeFileSync(file, JSON.stringify(r));
      return { name, file, expected, pair: i % 2 === 0 ? [good, file] : [file, good] };
    });
    // All in one process, one after the other (test/helpers/cli-batch.ts): each must still end under 20 s.
    const lines = cases.flatMap(({ file, pair }) => [
      ['report', file, '--out', join(OUT, 'bad.html')],
      ['compare', ...pair],
    ]);
    const outcomes = await cliBatch(lines);
    cases.forEach(({ name, file, expected }, i) => {
      for (const [k, r] of [outcomes[2 * i], outcomes[2 * i + 1]].entries()) {
        if (!r) throw new Error(`${name}: no outcome`);
        const what = `${name}: fleetbench ${lines[2 * i + k]?.join(' ')}\n${r.stderr}`;
        expect(r.code, what).toBe(2);
        expect(r.stderr, what).toContain(`fleetbench: ${file}: ${expected}`);
        expect(r.stderr, what).not.toContain('internal error');
        expect(r.stderr, what).not.toMatch(NO_STACK);
        expect(r.ms, what).toBeLessThan(20_000);
      }
    });
  }, 600_000);
});
