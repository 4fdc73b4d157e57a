// Scenario validation: every mistake is reported at once, each naming the field path and what was
// expected; a valid scenario becomes a plan with resolved units, defaults and delivery wiring.
import { describe, expect, it } from 'vitest';
import { type GroupPlan, groupByName } from '../../src/dsl/plan.ts';
import { validateScenario } from '../../src/dsl/validate.ts';
import {
  bytes,
  defaults,
  defineScenario,
  every,
  json,
  mqtt,
  poisson,
  ScenarioError,
  stages,
  template,
} from '../../src/index.ts';
import { problemsOf as problems } from '../helpers/validation.ts';

const FILE = 'scenarios/broken.ts';
const gps = { count: 10, protocol: mqtt(), topic: 'fleet/{id}/gps', send: every('1s') };
const valve = { count: 3, protocol: mqtt({ version: 5 }), subscribe: 'valve/{id}/cmd' };

/** A scenario with one valid fleet `gps`, its fields overridden by `fleet`, plus top-level `extra`. */
function withGps(fleet: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'broken', duration: '10s', fleets: { gps: { ...gps, ...fleet } }, ...extra };
}

const problemsOf = (scenario: unknown): readonly string[] => problems(scenario, FILE);

// Builder calls the types already reject, kept on one line each so @ts-expect-error covers them.
// @ts-expect-error qos 3 does not exist
const qos3 = mqtt({ qos: 3 });
// @ts-expect-error version 6 does not exist
const version6 = mqtt({ version: 6 });
// @ts-expect-error unknown option
const unknownOption = mqtt({ colour: 'red' });
// @ts-expect-error json takes a function
const jsonOfString = json('{"a":1}');

const DURATION = "a positive duration like '30s' or '250ms'";
const FILTER = "is not a valid topic filter: '+' and '#' must fill a whole level, '#' only at the end";

describe('validateScenario rejects', () => {
  it.each<[string, unknown, string]>([
    ['a negative count', withGps({ count: -3 }), 'fleets.gps.count: expected a positive integer, got -3'],
    ['a zero count', withGps({ count: 0 }), 'fleets.gps.count: expected a positive integer, got 0'],
    ['a fractional count', withGps({ count: 1.5 }), 'fleets.gps.count: expected a positive integer, got 1.5'],
    ['a count given as a string', withGps({ count: '10' }), 'fleets.gps.count: expected a positive integer, got "10"'],
    ['a missing duration', withGps({}, { duration: undefined }), `duration: expected ${DURATION}, got nothing`],
    ['a duration that is not one', withGps({}, { duration: 'soon' }), `duration: expected ${DURATION}, got "soon"`],
    ['a zero duration', withGps({}, { duration: '0s' }), `duration: expected ${DURATION}, got "0s"`],
    [
      'an unknown top-level field',
      withGps({}, { durations: '1m' }),
      'durations: unknown field (expected one of name, description, duration, rampUp, drain, warmup, connectRate, connectTimeout, seed, targets, fleets, observers, commands, thresholds, expect, faults, impair, sourceAddresses)',
    ],
    [
      'an unknown fleet field',
      withGps({ colour: 'red' }),
      'fleets.gps.colour: unknown field (expected one of count, protocol, topic, path, send, messages, payload, subscribe, reply, power, reconnect)',
    ],
    [
      'an unknown mqtt option',
      withGps({ protocol: unknownOption }),
      'fleets.gps.protocol.colour: unknown field (expected one of version, qos, retain, clean, sessionExpiry, keepalive, will, messageExpiry, userProperties, topicAlias, receiveMaximum, maximumPacketSize, topicAliasMaximum, payloadFormat, noLocal, retainAsPublished, retainHandling, subscriptionIdentifier, pings, honourLimits, inflight, username, password, clientId, target, tls, tcpNoDelay, takeover)',
    ],
    ['mqtt qos 3', withGps({ protocol: qos3 }), 'fleets.gps.protocol.qos: expected one of 0, 1, 2, got 3'],
    [
      'mqtt version 6',
      withGps({ protocol: version6 }),
      'fleets.gps.protocol.version: expected 4 (MQTT 3.1.1) or 5 (MQTT 5.0), got 6',
    ],
    [
      'a fleet that neither sends nor subscribes',
      { name: 'x', duration: '1s', fleets: { gps: { count: 1, protocol: mqtt() } } },
      'fleets.gps: expected send + topic (a sensor) or subscribe (an actuator)',
    ],
    ['send without topic', withGps({ topic: undefined }), 'fleets.gps.topic: expected a non-empty string, got nothing'],
    ["every('abc')", withGps({ send: every('abc') }), `fleets.gps.send.interval: expected ${DURATION}, got "abc"`],
    [
      'jitter of half the interval',
      withGps({ send: every('1s', { jitter: '500ms' }) }),
      'fleets.gps.send.jitter: expected less than half the interval (500ms), got "500ms"',
    ],
    [
      "poisson('fast')",
      withGps({ send: poisson('fast') }),
      "fleets.gps.send.rate: expected a positive rate like '5/s' or '300/m', got \"fast\"",
    ],
    [
      'stages([])',
      withGps({ send: stages([]) }),
      "fleets.gps.send.stages: expected a non-empty list of { target: '10/s', duration: '30s' }, got an array",
    ],
    [
      'a stage with a bad target',
      withGps({
        send: stages([
          { target: '5/s', duration: '1s' },
          { target: 'lots', duration: '1s' },
        ]),
      }),
      "fleets.gps.send.stages[1].target: expected a rate like '5/s' or '300/m', got \"lots\"",
    ],
    [
      'bytes(8), smaller than the stamp',
      withGps({ payload: bytes(8) }),
      'fleets.gps.payload.size: expected an integer size of at least 20 bytes (the measurement stamp), got 8',
    ],
    [
      'json of a non-function',
      withGps({ payload: jsonOfString }),
      'fleets.gps.payload.fn: expected a function returning the JSON value, got "{\\"a\\":1}"',
    ],
    [
      'a template size below the stamp',
      withGps({ payload: template('{stamp}', { size: 10 }) }),
      'fleets.gps.payload.size: expected an integer size of at least 20 bytes (the measurement stamp), got 10',
    ],
    [
      'an observer receiving an unknown fleet',
      withGps({}, { observers: { dash: { protocol: mqtt(), receives: ['gps', 'gsp'] } } }),
      'observers.dash.receives[1]: no fleet or command named "gsp"',
    ],
    [
      'an empty receives list',
      withGps({}, { observers: { dash: { protocol: mqtt(), receives: [] } } }),
      "observers.dash.receives: expected a non-empty list of fleet names, e.g. ['gps'], got an array",
    ],
    [
      'receiving from a fleet that only subscribes',
      withGps({}, { fleets: { gps, valve }, observers: { dash: { protocol: mqtt(), receives: ['valve'] } } }),
      'observers.dash.receives[0]: "valve" does not send (it has no send/topic)',
    ],
    [
      'a command to a fleet that is not an actuator',
      withGps(
        {},
        { commands: { open: { protocol: mqtt(), to: 'gps', topic: 'fleet/{target}/cmd', send: every('1s') } } },
      ),
      'commands.open.to: "gps" is not an actuator fleet (it needs subscribe)',
    ],
    [
      'a command to no fleet at all',
      withGps({}, { commands: { open: { protocol: mqtt(), to: 'nope', topic: 'x/{target}', send: every('1s') } } }),
      'commands.open.to: no fleet named "nope"',
    ],
    [
      'a command topic without {target}',
      withGps(
        {},
        {
          fleets: { gps, valve },
          commands: { open: { protocol: mqtt(), to: 'valve', topic: 'valve/all/cmd', send: every('1s') } },
        },
      ),
      'commands.open.topic: expected a topic containing {target}, the addressed device',
    ],
    [
      'a fleet name starting with a digit',
      { name: 'x', duration: '1s', fleets: { '9bad': gps } },
      'fleets.9bad: a name must start with a letter and use only letters, digits, _ and -',
    ],
    [
      "a '#' inside a level",
      withGps({}, { fleets: { gps, valve: { ...valve, subscribe: 'a/b#' } } }),
      `fleets.valve.subscribe: "a/b#" ${FILTER}`,
    ],
    [
      "a '#' before the last level",
      withGps({}, { fleets: { gps, valve: { ...valve, subscribe: '#/a' } } }),
      `fleets.valve.subscribe: "#/a" ${FILTER}`,
    ],
    [
      "a '+' sharing its level",
      withGps({}, { observers: { dash: { protocol: mqtt(), receives: ['gps'], subscribe: ['fleet/+/gps', 'a/+b'] } } }),
      `observers.dash.subscribe: "a/+b" ${FILTER}`,
    ],
    [
      'an http:// target for mqtt',
      withGps({}, { targets: { mqtt: 'http://x' } }),
      'targets.mqtt: expected a mqtt://, mqtts://, ws://, wss://, tcp://, ssl:// URL, got "http://x"',
    ],
    [
      'a target that is not a URL',
      withGps({}, { targets: { mqtt: 'not a url' } }),
      'targets.mqtt: expected a URL like mqtt://127.0.0.1, got "not a url"',
    ],
    [
      'a protocol target missing from targets',
      withGps({ protocol: mqtt({ target: 'edge' }) }),
      'fleets.gps.protocol.target: no target named "edge" in targets',
    ],
    [
      'an unknown protocol',
      withGps({ protocol: { protocol: 'zigbee', options: {} } }),
      'fleets.gps.protocol: unknown protocol "zigbee" (available: mqtt, coap, http, amqp, ws, udp)',
    ],
    [
      'a protocol given as a string',
      withGps({ protocol: 'mqtt' }),
      'fleets.gps.protocol: expected a protocol such as mqtt({...}), coap({...}), http({...}), amqp({...}), ws({...}), udp({...}), got "mqtt"',
    ],
    [
      'a CoAP fleet whose path is not a path',
      withGps({ protocol: { protocol: 'coap', options: {} } }),
      "fleets.gps.topic: expected a resource path starting with '/', e.g. '/telemetry/{id}', got \"fleet/{id}/gps\"",
    ],
    [
      'a path on an MQTT fleet',
      withGps({ topic: undefined, path: '/x/{id}' }),
      'fleets.gps.path: is for protocols that address resources by path (coap, http); mqtt fleets use topic',
    ],
    [
      'a CoAP observer receiving an MQTT fleet',
      withGps({}, { observers: { gw: { protocol: { protocol: 'coap', options: {} }, receives: ['gps'] } } }),
      'observers.gw.receives[0]: "gps" uses mqtt: coap observers cannot derive a subscription from it; give subscribe explicitly',
    ],
    [
      'serve ports past 65535',
      withGps({
        count: 10,
        topic: undefined,
        path: '/t',
        protocol: { protocol: 'coap', options: { serve: { port: 65530 } } },
      }),
      'fleets.gps.protocol.serve.port: expected a base port such that port + count - 1 ≤ 65535 (device i listens on port + i; 10 devices), got 65530',
    ],
    [
      'a share group that is not a name',
      withGps({}, { observers: { dash: { protocol: mqtt({ version: 5 }), receives: ['gps'], share: 'g/1' } } }),
      'observers.dash.share: expected a group name of letters, digits, _ and -, got "g/1"',
    ],
    ['no fleets', { name: 'x', duration: '1s', fleets: {} }, 'fleets: expected at least one fleet'],
    ['something that is not a scenario', 'gps', '(default export): expected defineScenario({...}), got "gps"'],
  ])('%s', (_label, scenario, problem) => {
    expect(problemsOf(scenario)).toEqual([problem]);
  });

  it.each(['sessionExpiry', 'topicAlias', 'userProperties', 'messageExpiry'] as const)(
    'the MQTT 5 option %s with version 4',
    (option) => {
      const values = { sessionExpiry: '1h', topicAlias: true, userProperties: { site: 'a' }, messageExpiry: '1m' };
      const protocol = mqtt({ version: 4, [option]: values[option] });
      expect(problemsOf(withGps({ protocol }))).toEqual([
        `fleets.gps.protocol.${option}: is an MQTT 5 feature; set version: 5`,
      ]);
    },
  );

  it('a name used by both a fleet and an observer', () => {
    const problems = problemsOf(withGps({}, { observers: { gps: { protocol: mqtt(), receives: ['gps'] } } }));
    expect(problems).toContain('observers.gps: the name "gps" is already used by another fleet, observer or command');
  });

  it('a name used by both a fleet and a command', () => {
    const problems = problemsOf(
      withGps(
        {},
        {
          fleets: { gps, valve },
          commands: { valve: { protocol: mqtt(), to: 'valve', topic: 'valve/{target}/cmd', send: every('1s') } },
        },
      ),
    );
    expect(problems).toContain(
      'commands.valve: the name "valve" is already used by another fleet, observer or command',
    );
  });

  it('a duplicate name even when the first holder of the name has its own mistake', () => {
    const problems = problemsOf(withGps({ count: 0 }, { observers: { gps: { protocol: mqtt(), receives: ['gps'] } } }));
    expect(problems).toContain('fleets.gps.count: expected a positive integer, got 0');
    expect(problems).toContain('observers.gps: the name "gps" is already used by another fleet, observer or command');
  });

  it('a bad target URL once, however many groups use it', () => {
    const observers = { a: { protocol: mqtt(), receives: ['gps'] }, b: { protocol: mqtt(), receives: ['gps'] } };
    const problems = problemsOf(withGps({}, { targets: { mqtt: 'http://x' }, observers }));
    expect(problems.filter((p) => p.startsWith('targets.mqtt:'))).toHaveLength(1);
  });

  it('with every problem at once, the message starting with the file name', () => {
    const scenario = {
      duration: 'soon',
      fleets: { gps: { count: 0, protocol: qos3, topic: 'a/{id}', send: every('abc'), payload: bytes(8) } },
    };
    let error: unknown;
    try {
      validateScenario(scenario, FILE);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const { problems, message, code } = error as ScenarioError;
    expect(problems).toEqual([
      'name: expected a non-empty string, got nothing',
      `duration: expected ${DURATION}, got "soon"`,
      'fleets.gps.count: expected a positive integer, got 0',
      'fleets.gps.protocol.qos: expected one of 0, 1, 2, got 3',
      `fleets.gps.send.interval: expected ${DURATION}, got "abc"`,
      'fleets.gps.payload.size: expected an integer size of at least 20 bytes (the measurement stamp), got 8',
    ]);
    expect(code).toBe('FB_SCENARIO_INVALID');
    expect(message.startsWith(`${FILE}: `)).toBe(true);
    for (const p of problems) expect(message).toContain(p);
  });
});

describe('validateScenario plans', () => {
  const scenario = defineScenario({
    name: 'plant',
    duration: '30s',
    fleets: {
      gps: {
        count: 10,
        protocol: mqtt({ qos: 1 }),
        topic: 'fleet/{id}/gps',
        send: every('1s', { jitter: '100ms' }),
        payload: json((c) => ({ id: c.id })),
      },
      temp: { count: 5, protocol: mqtt(), topic: 'site/{fleet}/{id}', send: poisson('300/m'), payload: bytes(32) },
      ramp: {
        count: 2,
        protocol: mqtt(),
        topic: 'r/{id}',
        send: stages(
          [
            { target: '10/s', duration: '10s' },
            { target: 0, duration: '500ms' },
          ],
          { from: '2/s' },
        ),
      },
      valve,
    },
    observers: {
      dash: { protocol: mqtt(), receives: ['gps', 'temp'] },
      pool: { count: 4, protocol: mqtt({ version: 5 }), receives: ['gps'], share: 'g' },
      tap: { count: 2, protocol: mqtt({ version: 5 }), receives: ['temp'], share: 'g2', subscribe: 'site/#' },
      audit: { protocol: mqtt({ version: 5 }), receives: ['open'] },
    },
    commands: { open: { protocol: mqtt({ version: 5 }), to: 'valve', topic: 'valve/{target}/cmd', send: every('2s') } },
  });
  const plan = validateScenario(scenario, 'plant.ts');
  const group = (name: string): GroupPlan => {
    const g = groupByName(plan, name);
    if (!g) throw new Error(`no group ${name} in the plan`);
    return g;
  };

  it('lists every group in scenario order with its kind and device count', () => {
    expect(plan.groups.map((g) => [g.name, g.kind, g.count, g.index])).toEqual([
      ['gps', 'fleet', 10, 0],
      ['temp', 'fleet', 5, 1],
      ['ramp', 'fleet', 2, 2],
      ['valve', 'fleet', 3, 3],
      ['dash', 'observer', 1, 4],
      ['pool', 'observer', 4, 5],
      ['tap', 'observer', 2, 6],
      ['audit', 'observer', 1, 7],
      ['open', 'command', 1, 8],
    ]);
  });

  it('applies the defaults from src/defaults.ts', () => {
    expect(plan).toMatchObject({
      file: 'plant.ts',
      name: 'plant',
      durationMs: 30_000,
      rampUpMs: 0,
      seed: undefined,
      targets: {},
    });
    expect(plan.drainMs).toBe(2000);
    expect(plan.connectRatePerS).toBe(500);
    expect(plan.connectTimeoutMs).toBe(10_000);
    expect([plan.drainMs, plan.connectRatePerS, plan.connectTimeoutMs]).toEqual([
      defaults.drainMs,
      defaults.connectRatePerS,
      defaults.connectTimeoutMs,
    ]);
  });

  it('takes explicit timing fields over the defaults', () => {
    const p = validateScenario(
      { ...scenario, rampUp: '5s', drain: '500ms', connectRate: '50/s', connectTimeout: '3s', seed: 42 },
      'plant.ts',
    );
    expect(p).toMatchObject({ rampUpMs: 5000, drainMs: 500, connectRatePerS: 50, connectTimeoutMs: 3000, seed: 42 });
  });

  it('resolves schedules into microseconds and rates per second', () => {
    expect(group('gps').publish?.schedule).toEqual({ kind: 'every', intervalUs: 1_000_000, jitterUs: 100_000 });
    expect(group('temp').publish?.schedule).toEqual({ kind: 'poisson', ratePerS: 5 });
    expect(group('ramp').publish?.schedule).toEqual({
      kind: 'stages',
      fromPerS: 2,
      stages: [
        { targetPerS: 10, durationUs: 10_000_000 },
        { targetPerS: 0, durationUs: 500_000 },
      ],
      poisson: false,
    });
    expect(group('open').publish?.schedule).toEqual({ kind: 'every', intervalUs: 2_000_000, jitterUs: 0 });
  });

  it('keeps payloads, defaulting to 64 bytes when none is given', () => {
    expect(group('temp').publish?.payload).toEqual({ kind: 'bytes', size: 32 });
    expect(group('ramp').publish?.payload).toEqual({ kind: 'bytes', size: defaults.payloadBytes });
    expect(group('gps').publish?.payload.kind).toBe('json');
  });

  it('derives observer filters from the topic templates of the fleets they receive', () => {
    expect(group('dash').subscribe).toEqual(['fleet/+/gps', 'site/temp/+']);
    expect(group('audit').subscribe).toEqual(['valve/+/cmd']);
  });

  it('prefixes shared observers with $share/<group>/, derived or explicit', () => {
    expect(group('pool').subscribe).toEqual(['$share/g/fleet/+/gps']);
    expect(group('tap').subscribe).toEqual(['$share/g2/site/#']);
  });

  it("counts a shared observer and a command's actuator fleet as one receiver ('group')", () => {
    expect(group('pool').receiverMode).toBe('group');
    expect(group('tap').receiverMode).toBe('group');
    expect(group('valve').receiverMode).toBe('group');
    expect(group('valve').receives).toEqual(['open']);
    expect(group('dash').receiverMode).toBe('each');
    expect(group('audit').receiverMode).toBe('each');
  });

  it('wires commands to their actuator fleet and keeps actuator filters as templates', () => {
    expect(group('open').publish).toMatchObject({ topic: 'valve/{target}/cmd', commandTo: 'valve' });
    expect(group('valve').subscribe).toEqual(['valve/{id}/cmd']);
    expect(group('valve').publish).toBeUndefined();
  });

  it('records the protocol and its target for each group', () => {
    expect(new Set(plan.groups.map((g) => `${g.protocol}@${g.target}`))).toEqual(new Set(['mqtt@mqtt']));
    expect(group('gps').options).toMatchObject({ qos: 1, version: 4 });
    expect(group('valve').options).toMatchObject({ qos: 0, version: 5 });
  });
});

describe('topic placeholders', () => {
  it('rejects an unknown placeholder in a topic, a filter or a command topic', () => {
    const problems = problemsOf({
      name: 'p',
      duration: '1s',
      fleets: {
        gps: { count: 1, protocol: mqtt(), topic: 'fleet/{idx}/gps', send: every('1s') },
        valves: { count: 1, protocol: mqtt(), subscribe: 'v/{target}/cmd' },
      },
      commands: { c: { protocol: mqtt(), to: 'valves', topic: 'v/{target}/{device}', send: every('1s') } },
    });
    expect(problems).toContain(
      'fleets.gps.topic: unknown placeholder {idx} in "fleet/{idx}/gps" (expected {id}, {fleet}, {run})',
    );
    expect(problems).toContain(
      'fleets.valves.subscribe: unknown placeholder {target} in "v/{target}/cmd" (expected {id}, {fleet}, {run})',
    );
    expect(problems).toContain(
      'commands.c.topic: unknown placeholder {device} in "v/{target}/{device}" (expected {id}, {fleet}, {run}, {target})',
    );
  });
});

describe('mqtt tls.ca', () => {
  it('names a CA file that cannot be read while validating, not at connect time', () => {
    const problems = problemsOf({
      name: 'tls',
      duration: '1s',
      fleets: {
        s: { count: 1, protocol: mqtt({ tls: { ca: '/no/such/ca.pem' } }), topic: 't/{id}', send: every('1s') },
      },
    });
    expect(problems).toContain('fleets.s.protocol.tls.ca: cannot read the CA file "/no/such/ca.pem" (ENOENT)');
  });
});
