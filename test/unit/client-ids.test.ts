// Client ids that would collide at a broker are refused when the scenario loads, naming both
// groups and the field: a second connection with an id takes the first one's session over
// ([MQTT-3.1.4-2]), and the run would measure its own devices fighting.
import { describe, expect, it } from 'vitest';
import { every, mqtt } from '../../src/index.ts';
import { problemsOf } from '../helpers/validation.ts';

const FILE = 'scenarios/ids.ts';
const fleet = (clientId: string | undefined, count = 3, target?: string) => ({
  count,
  protocol: mqtt({ ...(clientId === undefined ? {} : { clientId }), ...(target ? { target } : {}) }),
  topic: 't/{id}',
  send: every('1s'),
});
const scenario = (fleets: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name: 'ids',
  duration: '1s',
  fleets,
  ...extra,
});

describe('client ids across groups', () => {
  it('two fleets whose templates lack {fleet} collide on the same target', () => {
    expect(problemsOf(scenario({ a: fleet('dev-{id}'), b: fleet('dev-{id}', 2) }), FILE)).toEqual([
      `fleets.b.protocol.clientId: b and a would both connect to target "mqtt" with the client id "dev-0", and the broker would take one's session over with the other's; give each group client ids of its own ({fleet} in the template, as in the default 'fb-{run}-{fleet}-{id}')`,
    ]);
  });

  it('a fleet and an observer collide too; a template without {id} collides within its own group', () => {
    const problems = problemsOf(
      scenario(
        { a: fleet('site-{id}', 1), b: fleet('gw', 2) },
        { observers: { o: { protocol: mqtt({ clientId: 'site-0' }), receives: ['a'] } } },
      ),
      FILE,
    );
    expect(problems).toEqual([
      'fleets.b.protocol.clientId: all 2 devices of b would connect with the client id "gw", and the broker keeps one session per client id (each connect takes the last one over); put {id} in it',
      expect.stringMatching(
        /^observers\.o\.protocol\.clientId: o and a would both connect to target "mqtt" with the client id "site-0"/,
      ),
    ]);
  });

  it('accepts the default template, {fleet} templates, and equal ids on different targets', () => {
    const ok = scenario(
      { a: fleet(undefined), b: fleet('x-{fleet}-{id}'), c: fleet('dev-{id}', 2, 'other'), d: fleet('dev-{id}', 2) },
      { targets: { other: 'mqtt://127.0.0.1:1884' } },
    );
    expect(() => problemsOf(ok, FILE)).toThrow('validateScenario accepted an invalid scenario');
  });

  it('accepts a group that takes another group’s sessions over on purpose (takeover: true)', () => {
    const ok = scenario(
      { a: fleet('site-{id}', 1) },
      { observers: { o: { protocol: mqtt({ clientId: 'site-0', takeover: true }), receives: ['a'] } } },
    );
    expect(() => problemsOf(ok, FILE)).toThrow('validateScenario accepted an invalid scenario');
  });
});
