// `fleetbench probe` end to end through the real executable: a deliberate regression (an aedes
// broker wrapped so that it forgets retained messages) fails --baseline on exactly that row;
// the files it writes; a user's own probes; and what bad input says.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeMatrix } from '../../src/probe/matrix.ts';
import { MOSQUITTO_URL } from '../helpers/brokers.ts';
import { cliBatch } from '../helpers/cli-batch.ts';
import { runCli, TMP_DIR } from '../helpers/scenario.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

interface Running {
  url: string;
  close(): Promise<void>;
}

/** An in-process aedes broker; `forgetRetained` wraps its store so no retained message is kept. */
async function aedes(forgetRetained: boolean): Promise<Running> {
  const broker = await Aedes.createBroker();
  // The deliberate regression: storing a retained message does nothing (a broken retained store).
  if (forgetRetained)
    (broker as unknown as { persistence: { storeRetained(p: unknown): Promise<void> } }).persistence.storeRetained =
      async () => undefined;
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => broker.close(() => resolve()));
      }),
  };
}

const out = join(TMP_DIR, `probe-cli-${process.pid}`);
let good: Running;
let broken: Running;

beforeAll(async () => {
  mkdirSync(out, { recursive: true });
  [good, broken] = await Promise.all([aedes(false), aedes(true)]);
});
afterAll(async () => {
  await Promise.all([good?.close(), broken?.close()]);
});

const ONLY = ['--only', 'mqtt/retained@3.1.1,mqtt/qos1@3.1.1,mqtt/will@3.1.1', '--load', 'off', '-q'];

describe('fleetbench probe --baseline', () => {
  it('fails on exactly the row a broker that forgets retained messages broke', async () => {
    const before = await runCli(['probe', `broker=${good.url}`, ...ONLY, '--out-exact', join(out, 'before')], {
      timeoutMs: 120_000,
    });
    expect(before.code, before.stdout + before.stderr).toBe(0);
    const baseline = JSON.parse(readFileSync(join(out, 'before', 'probe.json'), 'utf8')) as ProbeMatrix;
    expect(baseline.cells['mqtt/retained@3.1.1']?.broker?.status).toBe('pass');
    const after = await runCli(
      [
        'probe',
        `broker=${broken.url}`,
        ...ONLY,
        '--baseline',
        join(out, 'before', 'probe.json'),
        '--out-exact',
        join(out, 'after'),
      ],
      { timeoutMs: 120_000 },
    );
    expect(after.code, after.stdout + after.stderr).toBe(1);
    const regressions = after.stdout.split('\n').filter((l) => l.includes('REGRESSION'));
    expect(regressions, after.stdout).toHaveLength(1);
    expect(regressions[0]).toContain('mqtt/retained@3.1.1');
    expect(regressions[0]).toMatch(/✓ → ✗/);
    // Every other row that ran stayed as it was.
    const m = JSON.parse(readFileSync(join(out, 'after', 'probe.json'), 'utf8')) as ProbeMatrix;
    const changed = Object.entries(m.cells).filter(
      ([row, c]) => c.broker?.status !== baseline.cells[row]?.broker?.status,
    );
    expect(changed.map(([row]) => row)).toEqual(['mqtt/retained@3.1.1']);
    // The JUnit case of that row is the failure; the Markdown names the regression.
    const junit = readFileSync(join(out, 'after', 'junit.xml'), 'utf8');
    execFileSync('xmllint', ['--noout', join(out, 'after', 'junit.xml')]);
    expect(junit).toMatch(
      /name="retained message to a late subscriber \(3\.1\.1\)"[\s\S]*?<failure[^>]*type="regression"/,
    );
    expect(readFileSync(join(out, 'after', 'probe.md'), 'utf8')).toContain('**regressed**');
    expect(readFileSync(join(out, 'after', 'probe.html'), 'utf8')).toContain('regressed');
  });
});

describe('fleetbench probe', () => {
  it('runs a folder of your own probes beside (or instead of) the catalogue', async () => {
    const r = await runCli(
      [
        'probe',
        `mosquitto=${MOSQUITTO_URL}`,
        '--no-catalogue',
        '--probes',
        join(ROOT, 'test/fixtures/probes'),
        '--load',
        'off',
        '-q',
        '--out-exact',
        join(out, 'own'),
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'own', 'probe.json'), 'utf8')) as ProbeMatrix;
    expect(m.rows.map((x) => x.id)).toEqual(['retained-exact']);
    expect(m.cells['retained-exact']?.mosquitto?.status).toBe('pass');
    expect(r.stdout).toMatch(/retained message on an exact topic\s+✓/);
  });

  it('an unreachable target is "could not run" in every cell, and the exit code is 1', async () => {
    const r = await runCli(
      [
        'probe',
        'gone=mqtt://127.0.0.1:1',
        '--only',
        'mqtt/retained@',
        '--load',
        'off',
        '-q',
        '--out-exact',
        join(out, 'gone'),
      ],
      {
        timeoutMs: 60_000,
      },
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('target unreachable');
    expect(r.stdout).toMatch(/0 ✓, 0 ✗, 0 n\/a, 2 could not run/);
  });

  it('bad input: a clear message and exit 2, never a stack', async () => {
    const bad = join(out, 'not-a-matrix.json');
    writeFileSync(bad, '{"schema":"fleetbench.result/1"}');
    const cases = [
      [['probe', 'ftp://127.0.0.1:21'], 'no protocol speaks ftp://'],
      [['probe', 'embedded:nothing'], 'no embedded server for "nothing"'],
      [['probe', MOSQUITTO_URL, '--probes', join(out, 'missing')], 'not a folder'],
      [['probe', MOSQUITTO_URL, '--load', 'lots'], 'expected <devices>x<seconds>s'],
      [['probe', MOSQUITTO_URL, '--baseline', bad], 'not a probe matrix'],
      [['probe', `a=${MOSQUITTO_URL}`, `a=${MOSQUITTO_URL}`], 'two targets are named "a"'],
    ] as const;
    // One process for the six command lines (test/helpers/cli-batch.ts): they fail before any probe runs.
    const outcomes = await cliBatch(cases.map(([args]) => [...args, '-q', '--out-exact', join(out, 'bad')]));
    outcomes.forEach((r, i) => {
      const [args, says] = cases[i] as (typeof cases)[number];
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(says);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  });
});
