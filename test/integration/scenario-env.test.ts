// Declared scenario inputs through the real executable: -e over the process environment over the
// defaults, the same values in every worker thread, and recorded in results.json.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.ts';
import { runCli, TMP_DIR, writeScenario } from '../helpers/scenario.ts';

const FILE = writeScenario(
  'env-run',
  `export default defineScenario(
    { env: { FBTEST_DEVICES: '2', FBTEST_INTERVAL: '1s', FBTEST_MESSAGES: '3' } },
    (env) => ({
      name: 'env-run', duration: '2s', drain: '1s',
      fleets: { s: { count: Number(env.FBTEST_DEVICES), protocol: mqtt(), topic: 'fbtest/{run}/{id}',
        send: every(env.FBTEST_INTERVAL), messages: Number(env.FBTEST_MESSAGES), payload: bytes(24) } },
    }),
  );`,
);

describe('scenario env', () => {
  it('resolves -e over the process environment over the defaults, in every worker, and records the values', async () => {
    // Read by the child through its inherited environment: 50ms gives 40 slots in 2 s, the
    // default 1s only 2, fewer than the 3 messages each device must send.
    process.env.FBTEST_INTERVAL = '50ms';
    const out = join(TMP_DIR, `env-out-${process.pid}`);
    const r = await runCli(['run', FILE, '-e', 'FBTEST_DEVICES=4', '--workers', '2', '-q', '--out', out]).finally(
      () => delete process.env.FBTEST_INTERVAL,
    );
    expect(r.code, r.stderr).toBe(0);
    const [dir] = readdirSync(out);
    const result = JSON.parse(readFileSync(join(out, dir as string, 'results.json'), 'utf8')) as RunResult;
    expect(result.scenario.env).toEqual({ FBTEST_DEVICES: '4', FBTEST_INTERVAL: '50ms', FBTEST_MESSAGES: '3' });
    // Both workers built the scenario from these values: 4 devices (2 per worker), 3 messages each.
    expect(result.fleets.s?.count).toBe(4);
    expect(result.fleets.s?.messages.sent).toBe(12);
  });

  it('validate prints the resolved values; an undeclared -e is a usage error naming the flag', async () => {
    const ok = await runCli(['validate', FILE, '--env', 'FBTEST_MESSAGES=7']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('env: FBTEST_DEVICES=2, FBTEST_INTERVAL=1s, FBTEST_MESSAGES=7');
    const bad = await runCli(['validate', FILE, '-e', 'FBTEST_DEVICE=3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      `-e FBTEST_DEVICE: ${FILE} does not declare FBTEST_DEVICE in its env (declared: FBTEST_DEVICES, FBTEST_INTERVAL, FBTEST_MESSAGES)`,
    );
  });
});
