// Scenario inputs from the environment: declared with defaults, overridden by the process
// environment and then by -e; undeclared names are refused on the command line and in the builder.
import { describe, expect, it } from 'vitest';
import { envView, parseEnvArgs, resolveEnv } from '../../src/dsl/env.ts';
import { defineScenario, every, FleetbenchError, loadScenario, mqtt, ScenarioError } from '../../src/index.ts';
import { writeScenario } from '../helpers/scenario.ts';

const FILE = 'scenarios/tunable.ts';

describe('resolveEnv', () => {
  const declared = { RATE: '10/s', DEVICES: '5' };

  it('takes -e over the process environment over the default', () => {
    expect(resolveEnv(FILE, declared, {}, {})).toEqual({ RATE: '10/s', DEVICES: '5' });
    expect(resolveEnv(FILE, declared, {}, { RATE: '20/s', PATH: '/bin' })).toEqual({ RATE: '20/s', DEVICES: '5' });
    expect(resolveEnv(FILE, declared, { RATE: '30/s' }, { RATE: '20/s' })).toEqual({ RATE: '30/s', DEVICES: '5' });
  });

  it('refuses -e for a name the scenario does not declare, naming the flag, the file and the declared names', () => {
    expect(() => resolveEnv(FILE, declared, { RTAE: '1' }, {})).toThrow(
      `-e RTAE: ${FILE} does not declare RTAE in its env (declared: RATE, DEVICES)`,
    );
    expect(() => resolveEnv(FILE, undefined, { RATE: '1' }, {})).toThrow(
      `-e RATE: ${FILE} does not declare RATE in its env (it declares none)`,
    );
  });

  it('refuses a declaration that is not an object of string defaults', () => {
    expect(() => resolveEnv(FILE, ['RATE'], {}, {})).toThrow(ScenarioError);
    let problems: readonly string[] = [];
    try {
      resolveEnv(FILE, { RATE: 10, 'bad-name': 'x' }, {}, {});
    } catch (err) {
      problems = (err as ScenarioError).problems;
    }
    expect(problems).toEqual([
      'env.RATE: expected a string default value, got 10',
      'env.bad-name: a name of letters, digits and _ (not starting with a digit)',
    ]);
  });
});

describe('envView', () => {
  it('reads declared names and throws for any other, naming the declared ones', () => {
    const env = envView(FILE, { RATE: '10/s' });
    expect(env.RATE).toBe('10/s');
    expect(() => env.RTAE).toThrow(`env.RTAE is not declared in ${FILE} (declared: RATE)`);
    expect(() => {
      (env as Record<string, string>).RATE = 'x';
    }).toThrow(TypeError);
  });
});

describe('parseEnvArgs', () => {
  it('parses NAME=value, keeping any = in the value', () => {
    expect(parseEnvArgs(['RATE=20/s', 'TOKEN=a=b', 'EMPTY='])).toEqual({ RATE: '20/s', TOKEN: 'a=b', EMPTY: '' });
  });

  it.each(['RATE', '=1', '1X=2', 'A B=1'])('refuses %j, naming -e and not the value', (value) => {
    expect(() => parseEnvArgs([value])).toThrow(FleetbenchError);
    expect(() => parseEnvArgs([value])).toThrow(/^-e ".*": expected NAME=value/);
  });
});

describe('defineScenario with env', () => {
  it('returns the declaration and the builder; the builder sees only declared names (type-checked)', () => {
    const s = defineScenario({ env: { RATE: '10s' } }, (env) => ({
      name: 'x',
      duration: '1s',
      // @ts-expect-error RTAE is not declared
      fleets: { a: { count: 1, protocol: mqtt(), topic: `t/${env.RTAE}`, send: every(env.RATE) } },
    }));
    expect(s.env).toEqual({ RATE: '10s' });
    expect(typeof s.build).toBe('function');
  });

  it('loads a scenario file with the resolved env, reports it, and names the file when the builder fails', async () => {
    const file = writeScenario(
      'env',
      `export default defineScenario({ env: { INTERVAL: '1s', DEVICES: '2' } }, (env) => ({
        name: 'env', duration: '1s',
        fleets: { a: { count: Number(env.DEVICES), protocol: mqtt(), topic: 't/{id}', send: every(env.INTERVAL) } },
      }));`,
    );
    const loaded = await loadScenario(file, { env: { DEVICES: '3' }, processEnv: { INTERVAL: '250ms' } });
    expect(loaded.env).toEqual({ INTERVAL: '250ms', DEVICES: '3' });
    expect(loaded.plan.groups[0]?.count).toBe(3);
    expect(loaded.plan.groups[0]?.publish?.schedule).toEqual({ kind: 'every', intervalUs: 250_000, jitterUs: 0 });
    await expect(loadScenario(file, { env: { NOPE: '1' } })).rejects.toThrow(`-e NOPE: ${file} does not declare NOPE`);
    const typo = writeScenario(
      'env-typo',
      `export default defineScenario({ env: { RATE: '1/s' } }, (env) => ({
        name: 'typo', duration: '1s',
        fleets: { a: { count: 1, protocol: mqtt(), topic: 't/{id}', send: every((env as Record<string, string>).RTAE as string) } },
      }));`,
    );
    await expect(loadScenario(typo)).rejects.toThrow(`env.RTAE is not declared in ${typo} (declared: RATE)`);
    const throws = writeScenario(
      'env-throws',
      `export default defineScenario({ env: { N: 'x' } }, (env) => { throw new Error('bad N ' + env.N); });`,
    );
    await expect(loadScenario(throws)).rejects.toThrow(`${throws}: the scenario's builder failed: bad N x`);
  });
});
