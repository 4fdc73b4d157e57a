// A fleet's `power` option (src/dsl/power.ts): defaults, overrides of the radio profile, and every
// mistake named by its field path with what was expected; then the same option through whole-scenario
// validation, where sleeping receivers and `power` outside fleets are refused.
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { resolvePower } from '../../src/dsl/power.ts';
import { validateScenario } from '../../src/dsl/validate.ts';
import { defineScenario, every, mqtt } from '../../src/index.ts';
import { PROFILES } from '../../src/power/index.ts';
import { problemsOf as problems } from '../helpers/validation.ts';

const PATH = 'fleets.s.power';

function resolve(raw: unknown): { power: ReturnType<typeof resolvePower>; problems: string[] } {
  const check = new Checker();
  const power = resolvePower(check, PATH, raw);
  return { power, problems: check.problems };
}

describe('resolvePower', () => {
  it('defaults to a persistent session on 2×AA (2500 mAh at 3 V) with the protocol keepalive', () => {
    const { power, problems } = resolve({ radio: 'nrf52-ble' });
    expect(problems).toEqual([]);
    expect(power).toEqual({
      profile: PROFILES['nrf52-ble'],
      battery: { mAh: 2500, volts: 3 },
      batteryLabel: '2xAA',
      session: 'persistent',
      keepaliveS: undefined,
      overridden: [],
      coverage: null,
      rai: false,
    });
  });

  it('applies overrides of figures, wake and tail, and lists them', () => {
    const { power, problems } = resolve({
      radio: 'esp32-wifi',
      txmA: 170,
      wake: { ms: 300 },
      tail: { mA: 80 },
      session: 'sleep',
      keepalive: '2m',
      battery: '2400mAh',
    });
    expect(problems).toEqual([]);
    expect(power?.profile).toEqual({
      ...PROFILES['esp32-wifi'],
      txmA: 170,
      wake: { ms: 300, mC: 151.8 },
      tail: { ms: 50, mA: 80 },
    });
    expect(power?.overridden).toEqual(['txmA', 'wake.ms', 'tail.mA']);
    expect(power?.session).toBe('sleep');
    expect(power?.keepaliveS).toBe(120);
    // A battery given in mAh takes the radio's supply voltage (3.3 V for the ESP32).
    expect([power?.battery, power?.batteryLabel]).toEqual([{ mAh: 2400, volts: 3.3 }, '2400mAh']);
  });

  it('leaves the base profiles untouched', () => {
    const before = structuredClone(PROFILES['esp32-wifi']);
    const { power } = resolve({
      radio: 'esp32-wifi',
      txmA: 1,
      wake: { ms: 1, mC: 1 },
      tail: { ms: 1, mA: 1 },
    });
    expect(power?.profile.wake.ms).toBe(1);
    expect(PROFILES['esp32-wifi']).toEqual(before);
    expect(power?.profile.wake).not.toBe(PROFILES['esp32-wifi'].wake);
  });

  it('labels a battery object by its figures', () => {
    expect(resolve({ radio: 'nbiot', battery: { mAh: 1000, volts: 3.6 } }).power?.batteryLabel).toBe('1000mAh at 3.6V');
    // A computed capacity is labelled readably; the model keeps the exact figure.
    const computed = resolve({ radio: 'nbiot', battery: { mAh: 5000 / 3.6, volts: 3.6 } }).power;
    expect(computed?.batteryLabel).toBe('1389mAh at 3.6V');
    expect(computed?.battery.mAh).toBe(5000 / 3.6);
  });

  it('applies a coverage class, RAI, an eDRX floor and a link, and lists them', () => {
    const nb = resolve({ radio: 'nbiot', coverage: 'extreme', rai: true });
    expect(nb.problems).toEqual([]);
    expect(nb.power?.coverage).toBe('extreme');
    expect(nb.power?.rai).toBe(true);
    expect(nb.power?.profile.link.upBps).toBe(PROFILES.nbiot.coverage.extreme?.link.upBps);
    expect(nb.power?.profile.wake).toEqual(PROFILES.nbiot.coverage.extreme?.wake);
    expect(resolve({ radio: 'nbiot' }).power?.coverage).toBe('normal');
    const lte = resolve({ radio: 'nrf9160-ltem', edrx: '655.36s', link: { rtt: '800ms', loss: 0.01 } });
    expect(lte.problems).toEqual([]);
    expect(lte.power?.profile.idlemA).toBe(0.006);
    expect(lte.power?.profile.link.rttMs).toEqual({ low: 800, mid: 800, high: 800 });
    expect(lte.power?.profile.link.loss).toBe(0.01);
    expect(lte.power?.overridden).toEqual(['link.rtt', 'link.loss', 'edrx']);
    expect(lte.power?.profile.link.name).toMatch(/\(as given\)$/);
  });

  it("modem: 'off' wakes a sleeping cellular device with a network attach", () => {
    const off = resolve({ radio: 'nrf9160-ltem', session: 'sleep', modem: 'off' });
    expect(off.problems).toEqual([]);
    expect(off.power?.profile.wake).toEqual(PROFILES['nrf9160-ltem'].attach);
    expect(off.power?.overridden).toEqual(['modem']);
    expect(resolve({ radio: 'nrf9160-ltem', modem: 'off' }).problems).toEqual([
      `${PATH}.modem: expected 'psm': a modem turned off between reports needs session: 'sleep', got "off"`,
    ]);
    expect(resolve({ radio: 'esp32-wifi', session: 'sleep', modem: 'off' }).problems).toEqual([
      `${PATH}.modem: expected 'psm' (the default): the esp32-wifi radio has no modem to turn off (cellular radios only), got "off"`,
    ]);
  });

  it("takes keepalive '0s' as no keepalive", () => {
    expect(resolve({ radio: 'nbiot', keepalive: '0s' }).power?.keepaliveS).toBe(0);
  });

  const RADIOS = '"esp32-wifi", "cc2538-802154", "nrf52-ble", "nrf52840-802154", "nrf9160-ltem", "nbiot", "lte-phone"';
  const FIELDS =
    'radio, battery, session, keepalive, coverage, rai, edrx, modem, link, bitrateBps, wake, promote, tail, txmA, rxmA, listenmA, idlemA, sleepmA, cpumA, preambleUs, linkOverheadBytes, rampUs, ccaUs, l2AckUs';
  it.each<[string, unknown, string]>([
    ['an unknown radio', { radio: 'zigbee' }, `${PATH}.radio: expected one of ${RADIOS}, got "zigbee"`],
    ['a missing radio', {}, `${PATH}.radio: expected one of ${RADIOS}, got nothing`],
    [
      'an unknown field',
      { radio: 'nbiot', colour: 'red' },
      `${PATH}.colour: unknown field (expected one of ${FIELDS})`,
    ],
    ['a negative txmA', { radio: 'nbiot', txmA: -1 }, `${PATH}.txmA: expected a number ≥ 0, got -1`],
    ['txmA as a string', { radio: 'nbiot', txmA: '120' }, `${PATH}.txmA: expected a number ≥ 0, got "120"`],
    ['a zero bit rate', { radio: 'nbiot', bitrateBps: 0 }, `${PATH}.bitrateBps: expected a positive number, got 0`],
    [
      'volts (the profile fixes its supply voltage)',
      { radio: 'nbiot', volts: 5 },
      `${PATH}.volts: expected no such field: a profile's currents are given at its own supply voltage; give the battery's voltage as battery: { mAh, volts }, got 5`,
    ],
    [
      'a coverage class on a radio without them',
      { radio: 'nrf9160-ltem', coverage: 'robust' },
      `${PATH}.coverage: expected nothing: the nrf9160-ltem radio has no coverage classes (NB-IoT has), got "robust"`,
    ],
    [
      'an unknown coverage class',
      { radio: 'nbiot', coverage: 'deep' },
      `${PATH}.coverage: expected one of "normal", "robust", "extreme", got "deep"`,
    ],
    [
      'RAI on a radio without it',
      { radio: 'esp32-wifi', rai: true },
      `${PATH}.rai: expected false: the esp32-wifi radio has no Release Assistance (cellular radios only), got true`,
    ],
    [
      'an eDRX cycle the profile does not list',
      { radio: 'nrf9160-ltem', edrx: '20s' },
      `${PATH}.edrx: expected one of '81.92s', '655.36s', got "20s"`,
    ],
    [
      'a link loss of 1',
      { radio: 'nbiot', link: { loss: 1 } },
      `${PATH}.link.loss: expected a probability, 0 ≤ loss < 1, got 1`,
    ],
    [
      'a round trip band out of order',
      { radio: 'nbiot', link: { rtt: { low: '2s', mid: '1s', high: '3s' } } },
      `${PATH}.link.rtt: expected low ≤ mid ≤ high, got an object`,
    ],
    [
      'a battery string that is not one',
      { radio: 'nbiot', battery: 'lots' },
      `${PATH}.battery: expected a battery such as '2400mAh', '2xAA' or { mAh: 1000, volts: 3.6 }, got "lots"`,
    ],
    [
      'a battery with no capacity',
      { radio: 'nbiot', battery: { volts: 3 } },
      `${PATH}.battery: expected mAh: a positive number, got an object`,
    ],
    [
      'an unknown session',
      { radio: 'nbiot', session: 'nap' },
      `${PATH}.session: expected one of "persistent", "sleep", got "nap"`,
    ],
    [
      'a keepalive that is not a duration',
      { radio: 'nbiot', keepalive: 'often' },
      `${PATH}.keepalive: expected a duration like '30s' or '250ms', got "often"`,
    ],
    [
      'a negative keepalive',
      { radio: 'nbiot', keepalive: -5 },
      `${PATH}.keepalive: expected a duration like '30s' or '250ms', got -5`,
    ],
    [
      'an unknown key under wake',
      { radio: 'nbiot', wake: { ms: 5, joules: 1 } },
      `${PATH}.wake.joules: unknown field (expected one of ms, mC)`,
    ],
    [
      'a negative tail current',
      { radio: 'nbiot', tail: { mA: -0.5 } },
      `${PATH}.tail.mA: expected a number ≥ 0, got -0.5`,
    ],
    ['wake given as a number', { radio: 'nbiot', wake: 5 }, `${PATH}.wake: expected an object, got 5`],
    ['power given as a string', 'nbiot', `${PATH}: expected an object, got "nbiot"`],
  ])('rejects %s', (_label, raw, problem) => {
    // The problem list is the contract: a scenario with any problem yields no plan.
    expect(resolve(raw).problems).toEqual([problem]);
  });

  it('reports every mistake at once', () => {
    const { problems } = resolve({ radio: 'nbiot', txmA: -1, bitrateBps: 0, session: 'nap', wake: { joules: 1 } });
    expect(problems).toEqual([
      `${PATH}.session: expected one of "persistent", "sleep", got "nap"`,
      `${PATH}.txmA: expected a number ≥ 0, got -1`,
      `${PATH}.bitrateBps: expected a positive number, got 0`,
      `${PATH}.wake.joules: unknown field (expected one of ms, mC)`,
    ]);
  });
});

describe('power in a scenario', () => {
  const FILE = 'scenarios/power.ts';
  const sensor = { count: 4, protocol: mqtt(), topic: 's/{id}', send: every('30s') };

  const problemsOf = (scenario: unknown): readonly string[] => problems(scenario, FILE);

  it('refuses sleeping devices that subscribe', () => {
    const problems = problemsOf({
      name: 'p',
      duration: '1m',
      fleets: {
        valve: { count: 2, protocol: mqtt(), subscribe: 'v/{id}/cmd', power: { radio: 'nrf52-ble', session: 'sleep' } },
      },
    });
    expect(problems).toContain(
      "fleets.valve.power.session: 'sleep' devices are offline between reports and cannot receive or serve; use session: 'persistent'",
    );
  });

  it('accepts the same fleet with a persistent session', () => {
    const plan = validateScenario(
      {
        name: 'p',
        duration: '1m',
        fleets: { valve: { count: 2, protocol: mqtt(), subscribe: 'v/{id}/cmd', power: { radio: 'nrf52-ble' } } },
      },
      FILE,
    );
    expect(plan.groups[0]?.power?.session).toBe('persistent');
  });

  it('refuses power on an observer as an unknown field', () => {
    const problems = problemsOf({
      name: 'p',
      duration: '1m',
      fleets: { sensor },
      observers: { dash: { protocol: mqtt(), receives: ['sensor'], power: { radio: 'nrf52-ble' } } },
    });
    expect(problems).toEqual([
      'observers.dash.power: unknown field (expected one of count, protocol, receives, subscribe, share, reconnect, startTime, offline)',
    ]);
  });

  it('names power problems under the fleet', () => {
    expect(
      problemsOf({
        name: 'p',
        duration: '1m',
        fleets: { sensor: { ...sensor, power: { radio: 'nrf52-ble', txmA: -2 } } },
      }),
    ).toEqual(['fleets.sensor.power.txmA: expected a number ≥ 0, got -2']);
  });

  it('resolves a valid power option into the plan group, leaving other groups without one', () => {
    const plan = validateScenario(
      defineScenario({
        name: 'p',
        duration: '1m',
        fleets: {
          plain: sensor,
          motes: {
            ...sensor,
            power: { radio: 'cc2538-802154', session: 'sleep', battery: { mAh: 1200 }, keepalive: '90s', idlemA: 0.5 },
          },
        },
      }),
      FILE,
    );
    expect(plan.groups.map((g) => g.name)).toEqual(['plain', 'motes']);
    expect(plan.groups[0]?.power).toBeUndefined();
    expect(plan.groups[1]?.power).toEqual({
      profile: { ...PROFILES['cc2538-802154'], idlemA: 0.5 },
      battery: { mAh: 1200, volts: 3 },
      batteryLabel: '1200mAh at 3V',
      session: 'sleep',
      keepaliveS: 90,
      overridden: ['idlemA'],
      coverage: null,
      rai: false,
    });
  });
});
