// The input sweep: malformed scenarios and bad command lines through the CLI's entry (main(), as
// the executable calls it), one after the other in one process (test/helpers/cli-batch.ts), so a
// hundred cases cost one start-up. Every one must end in < 20 s with exit 2, a message naming the
// scenario file or the flag, no stack trace and no "internal error"; none may repeat a password.
//
// The three suites are concurrent (`describe.concurrent`, with the test's own `expect`): the two
// batches, each one process working through its cases, and the two warnings run side by side,
// a core each instead of one after the other.
import { beforeAll, describe, type ExpectStatic, it } from 'vitest';
import { BATCH_KILL_MS, type BatchOutcome, cliBatch } from '../helpers/cli-batch.ts';
import { runCli, writeScenario } from '../helpers/scenario.ts';

const STACK = /^\s+at .+:\d+:\d+\)?$/m;
/** Each case must end within this: the point is "no hang", and a hang never ends. */
const LIMIT_MS = 20_000;
/** A fleet that is valid on its own; cases spread it and break one field. */
const S = `{ count: 2, protocol: mqtt(), topic: 'fbsweep/{run}/{id}', send: every('1s') }`;
/** A scenario around `fleets` (and any extra top-level fields). */
const scenario = (fleets: string, extra = '') =>
  `export default defineScenario({ name: 'sweep', duration: '1s', ${extra} fleets: ${fleets} } as never);`;
const withFleet = (fields: string, extra = '') => scenario(`{ s: { ...${S}, ${fields} } }`, extra);

/** [label, module body after the import line, a fragment the message must contain]. */
const SCENARIOS: [string, string, string][] = [
  // The module and its default export.
  ['syntax error', 'export default {', 'could not load the scenario'],
  ['no default export', 'export const x = 1;', '(default export): expected defineScenario'],
  ['default export a number', 'export default 42;', 'got 42'],
  ['default export null', 'export default null;', 'got null'],
  ['default export an array', 'export default [];', 'got an array'],
  ['default export a function', 'export default () => ({});', 'got a function'],
  ['top-level throw', "throw new Error('broken at load');", 'broken at load'],
  ['missing import', "import './no-such-module.ts';", 'could not load the scenario'],
  ['undefined variable', 'export default defineScenario({ name: nope } as never);', 'could not load the scenario'],
  // Top-level fields.
  ['no fleets', "export default defineScenario({ name: 'x', duration: '1s' } as never);", 'fleets: expected an object'],
  ['empty fleets', scenario('{}'), 'fleets: expected at least one fleet'],
  ['fleets an array', scenario('[]'), 'fleets: expected an object'],
  ['unknown top-level field', withFleet('', 'colour: 1,'), 'colour: unknown field'],
  [
    'name missing',
    `export default defineScenario({ duration: '1s', fleets: { s: ${S} } } as never);`,
    'name: expected',
  ],
  [
    'duration missing',
    `export default defineScenario({ name: 'x', fleets: { s: ${S} } } as never);`,
    'duration: expected',
  ],
  [
    'duration a word',
    `export default defineScenario({ name: 'x', duration: 'soon', fleets: { s: ${S} } } as never);`,
    'duration: expected',
  ],
  [
    'duration zero',
    `export default defineScenario({ name: 'x', duration: 0, fleets: { s: ${S} } } as never);`,
    'duration: expected',
  ],
  ['rampUp bad', withFleet('', "rampUp: 'later',"), 'rampUp: expected'],
  ['drain bad', withFleet('', "drain: '-1s',"), 'drain: expected'],
  ['connectRate zero', withFleet('', "connectRate: '0/s',"), 'connectRate: expected'],
  ['connectTimeout zero', withFleet('', 'connectTimeout: 0,'), 'connectTimeout: expected'],
  ['seed negative', withFleet('', 'seed: -1,'), 'seed: expected'],
  ['seed fractional', withFleet('', 'seed: 1.5,'), 'seed: expected'],
  ['seed above 2^32-1', withFleet('', 'seed: 4294967296,'), 'seed: expected'],
  ['targets a string', withFleet('', "targets: 'mqtt://h',"), 'targets: expected an object'],
  ['target not a string', withFleet('', 'targets: { mqtt: 1883 },'), 'targets.mqtt: expected a URL string'],
  ['target wrong scheme', withFleet('', "targets: { mqtt: 'http://127.0.0.1' },"), 'targets.mqtt: expected a mqtt://'],
  ['target port 0', withFleet('', "targets: { mqtt: 'mqtt://127.0.0.1:0' },"), 'port 0'],
  ['target port 65536', withFleet('', "targets: { mqtt: 'mqtt://127.0.0.1:65536' },"), 'port 65536'],
  ['target password with /', withFleet('', "targets: { mqtt: 'mqtt://u:pa/ss@127.0.0.1' },"), 'percent-encode'],
  // Fleets.
  ['fleet not an object', scenario('{ s: 5 }'), 'fleets.s: expected an object'],
  ['fleet name starts with a digit', scenario(`{ '1s': ${S} }`), 'a name must start with a letter'],
  ['count zero', withFleet('count: 0'), 'fleets.s.count: expected a positive integer'],
  ['count negative', withFleet('count: -3'), 'fleets.s.count: expected a positive integer'],
  ['count fractional', withFleet('count: 1.5'), 'fleets.s.count: expected a positive integer'],
  ['count above the per-fleet maximum', withFleet('count: 2_000_000'), 'fleets.s.count: expected at most'],
  [
    '4 fleets of 1,000,000 devices',
    scenario(
      `{ a: { ...${S}, count: 1e6 }, b: { ...${S}, count: 1e6 }, c: { ...${S}, count: 1e6 }, d: { ...${S}, count: 1e6 } }`,
    ),
    '4,000,000 devices in all: at most 1,000,000 per scenario',
  ],
  ['unknown fleet field', withFleet('colour: 1'), 'fleets.s.colour: unknown field'],
  ['protocol missing', withFleet('protocol: undefined'), 'fleets.s.protocol: expected a protocol'],
  ['protocol unknown', withFleet("protocol: { protocol: 'mqttt' }"), 'unknown protocol "mqttt"'],
  ['mqtt qos 3', withFleet('protocol: mqtt({ qos: 3 } as never)'), 'fleets.s.protocol.qos'],
  ['topic missing', withFleet('topic: undefined'), 'fleets.s.topic: expected'],
  ['topic unknown placeholder', withFleet("topic: 'x/{device}'"), 'unknown placeholder {device}'],
  ['send a string', withFleet("send: '1s'"), 'fleets.s.send: expected a schedule'],
  ['every a word', withFleet("send: every('soon')"), 'fleets.s.send.interval: expected'],
  [
    'every 0.000001us',
    withFleet("send: every('0.000001us')"),
    'fleets.s.send.interval: expected an interval of at least 1ms',
  ],
  ['jitter half the interval', withFleet("send: every('1s', { jitter: '500ms' })"), 'fleets.s.send.jitter: expected'],
  ['poisson 1e9', withFleet('send: poisson(1e9)'), 'fleets.s.send.rate: expected at most 1000 sends/s per device'],
  ['poisson zero', withFleet("send: poisson('0/s')"), 'fleets.s.send.rate: expected a positive rate'],
  ['stages empty', withFleet('send: stages([])'), 'fleets.s.send.stages: expected a non-empty list'],
  [
    'stage above the rate limit',
    withFleet("send: stages([{ target: '2000/s', duration: '1s' }])"),
    'stages[0].target: expected at most 1000',
  ],
  [
    'stage duration bad',
    withFleet("send: stages([{ target: '1/s', duration: 'long' }])"),
    'stages[0].duration: expected',
  ],
  [
    'stages from above the limit',
    withFleet("send: stages([{ target: '1/s', duration: '1s' }], { from: '5/ms' })"),
    'send.from: expected at most 1000',
  ],
  [
    'stages arrival bad',
    withFleet("send: stages([{ target: '1/s', duration: '1s' }], { arrival: 'burst' } as never)"),
    'send.arrival: expected one of',
  ],
  ['payload bytes too small', withFleet('payload: bytes(2)'), 'fleets.s.payload.size: expected an integer size'],
  ['payload json of a string', withFleet("payload: json('x' as never)"), 'fleets.s.payload.fn: expected a function'],
  [
    'payload template of a number',
    withFleet('payload: template(1 as never)'),
    'fleets.s.payload.text: expected a template string',
  ],
  ['messages zero', withFleet('messages: 0'), 'fleets.s.messages: expected a positive integer'],
  [
    'payload without send',
    withFleet('send: undefined, topic: undefined, payload: bytes(24)'),
    'fleets.s.send: expected a schedule',
  ],
  // Observers, commands, thresholds.
  ['duplicate name', withFleet('', `observers: { s: { protocol: mqtt(), receives: ['s'] } },`), 'is already used'],
  [
    'observer without receives',
    withFleet('', 'observers: { o: { protocol: mqtt() } },'),
    'observers.o.receives: expected',
  ],
  [
    'observer receives unknown',
    withFleet('', "observers: { o: { protocol: mqtt(), receives: ['gps'] } },"),
    'no fleet or command named "gps"',
  ],
  [
    'command without {target}',
    withFleet('', "commands: { c: { protocol: mqtt(), to: 's', topic: 'cmd', send: every('1s') } },"),
    'expected a topic containing {target}',
  ],
  [
    'thresholds unknown group',
    withFleet('', "thresholds: { 'gps.e2e_latency': ['p(99) < 5ms'] },"),
    'unknown group "gps"',
  ],
  // Declared env.
  [
    'env not an object',
    "export default defineScenario({ env: 'RATE' } as never, () => ({}) as never);",
    'env: expected an object',
  ],
  [
    'env default not a string',
    'export default defineScenario({ env: { RATE: 10 } } as never, () => ({}) as never);',
    'env.RATE: expected a string',
  ],
  [
    'env read undeclared',
    `export default defineScenario({ env: { RATE: '1/s' } }, (env) => ({ name: 'x', duration: '1s', fleets: { s: { ...${S}, send: poisson((env as never as Record<string, string>).RTAE as string) } } }));`,
    'env.RTAE is not declared',
  ],
  [
    'env builder throws',
    "export default defineScenario({ env: { N: 'x' } }, () => { throw new Error('no N'); });",
    "the scenario's builder failed: no N",
  ],
  [
    'env value over the limit',
    `export default defineScenario({ env: { RATE: '5000/s' } }, (env) => ({ name: 'x', duration: '1s', fleets: { s: { ...${S}, send: poisson(env.RATE) } } }));`,
    'at most 1000 sends/s per device',
  ],
];

type Outcome = BatchOutcome;

function expectUserError(expect: ExpectStatic, r: Outcome, names: string, fragment: string): void {
  const text = `${r.stderr}${r.stdout}`;
  expect(r.ms, text).toBeLessThan(LIMIT_MS);
  expect(r.code, text).toBe(2);
  expect(text).not.toContain('internal error');
  expect(text).not.toMatch(STACK);
  expect(r.stderr).toContain(names);
  expect(r.stderr).toContain(fragment);
}

const BASE = writeScenario(
  'sweep-base',
  `export default defineScenario({ name: 'sweep-base', duration: '1s', drain: '0s',
    fleets: { s: { count: 1, protocol: mqtt(), topic: 'fbsweep/{run}/{id}', send: every('1s') } } });`,
);
const ENV = writeScenario(
  'sweep-env',
  `export default defineScenario({ env: { RATE: '1/s' } }, (env) => ({ name: 'sweep-env', duration: '1s',
    fleets: { s: { count: 1, protocol: mqtt(), topic: 'fbsweep/{run}/{id}', send: poisson(env.RATE) } } }));`,
);
/** A scenario of 150,000 devices: valid (validate warns), but over the per-process limit for run. */
const HUGE = writeScenario(
  'sweep-huge',
  `export default defineScenario({ name: 'sweep-huge', duration: '1s',
    fleets: { s: { count: 150_000, protocol: mqtt(), topic: 'fbsweep/{run}/{id}', send: every('1s') } } });`,
);

describe.concurrent('input sweep: malformed scenarios (fleetbench validate)', () => {
  const files = SCENARIOS.map(([label, body], i) => writeScenario(`sweep-${i}`, `// ${label}\n${body}`));
  let outcomes: Outcome[] = [];
  beforeAll(async () => {
    outcomes = await cliBatch(files.map((f) => ['validate', f]));
  }, BATCH_KILL_MS);

  it('has at least 60 cases', ({ expect }) => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(60);
  });

  it.for(SCENARIOS.map(([label, , fragment], i) => ({ label, fragment, i })))(
    '$label: exit 2, names the file, no stack',
    ({ fragment, i }, { expect }) => {
      expectUserError(expect, outcomes[i] as Outcome, files[i] as string, fragment);
    },
  );
});

/** [command line, what the message must name (the flag or file), a fragment, text that must not appear]. */
const CLI: [string[], string, string, string?][] = [
  [
    ['run', BASE, '-t', 'mqttt=mqtt://127.0.0.1:1883'],
    '--target mqttt=',
    'no target named "mqttt" (its targets: mqtt)',
  ],
  [['run', BASE, '-t', 'edge=mqtt://127.0.0.1:1883'], '--target edge=', 'no target named "edge"'],
  [['run', BASE, '-t', 'mqtt=mqtt://127.0.0.1:0'], '--target mqtt=', 'port 0'],
  [['run', BASE, '-t', 'mqtt=mqtt://127.0.0.1:65536'], '--target mqtt=', 'port 65536'],
  [['run', BASE, '-t', 'mqtt=mqtt://u:SECRET@127.0.0.1:99999'], '--target mqtt=', 'port 99999', 'SECRET'],
  [['run', BASE, '-t', 'mqtt=http://127.0.0.1:1883'], '--target mqtt=', 'expected a mqtt://'],
  [['run', BASE, '-t', 'mqtt=not a url'], '--target mqtt=', 'expected a URL like'],
  [['run', BASE, '-t', 'mqtt=mqtt://user:pa/SECRET@127.0.0.1:1883'], '--target mqtt=', 'percent-encode', 'SECRET'],
  [
    ['run', BASE, '-t', 'mqtt://user:SECRET@127.0.0.1'],
    '--target "mqtt://user:***@127.0.0.1"',
    'expected name=url',
    'SECRET',
  ],
  [['run', BASE, '-t', 'mqtt://user:SE=CRET@127.0.0.1'], '--target', 'a URL without a name', 'CRET'],
  [['run', BASE, '-t', 'mqtt'], '--target "mqtt"', 'expected name=url'],
  [['run', BASE, '--seed', 'abc'], '--seed', 'expected an integer from 0 to 4294967295, got "abc"'],
  [['run', BASE, '--seed=-1'], '--seed', 'got "-1"'],
  [['run', BASE, '--seed', '1.5'], '--seed', 'got "1.5"'],
  [['run', BASE, '--seed', '4294967296'], '--seed', 'got "4294967296"'],
  [['run', BASE, '--seed', '1', '--seed', '2'], '--seed', 'given 2 times'],
  [['run', BASE, '--workers', 'abc'], '--workers', 'expected an integer from 1 to 256, got "abc"'],
  [['run', BASE, '--workers', '0'], '--workers', 'got "0"'],
  [['run', BASE, '--workers=-2'], '--workers', 'got "-2"'],
  [['run', BASE, '--workers', '100000'], '--workers', 'got "100000"'],
  [['run', BASE, '--duration', 'abc'], '--duration', 'expected a positive duration'],
  [['run', BASE, '--duration', '0'], '--duration', 'expected a positive duration'],
  [['run', BASE, '--duration', '30'], '--duration', 'got "30"'],
  [['run', BASE, '--shard', '2/2'], '--shard', 'expected i/n'],
  [['run', BASE, '--shard', '0/2', '--run-id', 'Run_1'], '--run-id', 'got "Run_1"'],
  [['run', BASE, '--start-at', '2026-12-06T04:00:00'], '--start-at', 'with its zone'],
  [['run', BASE, '--start-at', '2001-01-01T00:00:00Z'], '--start-at 2001-01-01T00:00:00.000Z', 'in the past'],
  [['run', BASE, '--clock-ref', 'host:0:1'], '--clock-ref', 'expected host:port'],
  [['run', BASE, '--clock-port', '70000'], '--clock-port', 'got "70000"'],
  [['merge', 'no-such-results.json', '-o', 'test/.tmp/sweep-merge'], 'no-such-results.json', 'no such file'],
  // Not '--no-…': yargs reads that as the negation of another flag.
  [['run', BASE, '--bogus-flag'], 'bogus-flag', 'Unknown argument'],
  [['run', ENV, '-e', 'NOPE=1'], '-e NOPE', `${ENV} does not declare NOPE in its env (declared: RATE)`],
  [['validate', ENV, '-e', 'NOPE=1'], '-e NOPE', 'does not declare NOPE'],
  [['validate', BASE, '-e', 'RATE=1/s'], '-e RATE', 'it declares none'],
  [['run', ENV, '-e', 'SECRET'], '-e "SECRET"', 'expected NAME=value'],
  [['run', ENV, '--env', 'RATE=5000/s'], ENV, 'at most 1000 sends/s per device'],
  [['run', HUGE], '--shard', `${HUGE}: 150,000 devices in one process: at most 100,000 (the limit)`],
  [['run', 'no-such-scenario.ts'], 'no-such-scenario.ts', 'scenario file not found'],
];

describe.concurrent('input sweep: bad command lines', () => {
  let outcomes: Outcome[] = [];
  beforeAll(async () => {
    outcomes = await cliBatch(
      CLI.map(([args]) => (args[0] === 'run' ? [...args, '-q', '--out', 'test/.tmp/sweep-out'] : args)),
    );
  }, BATCH_KILL_MS);

  it('has at least 30 cases', ({ expect }) => {
    expect(CLI.length).toBeGreaterThanOrEqual(30);
  });

  it.for(
    CLI.map(([args, names, fragment, secret], i) => ({ line: args.slice(2).join(' '), names, fragment, secret, i })),
  )('$line: exit 2, names $names, no stack', ({ names, fragment, secret, i }, { expect }) => {
    const r = outcomes[i] as Outcome;
    expectUserError(expect, r, names, fragment);
    if (secret) expect(`${r.stderr}${r.stdout}`).not.toContain(secret);
  });
});

describe.concurrent('input sweep: above what one machine generates', () => {
  it('validate warns, without failing, naming the file, the figure and --shard', async ({ expect }) => {
    const fast = writeScenario(
      'sweep-fast',
      `export default defineScenario({ name: 'sweep-fast', duration: '1s',
        fleets: { s: { count: 300, protocol: mqtt(), topic: 'fbsweep/{run}/{id}', send: every('1ms') } } });`,
    );
    const [huge, rate] = await Promise.all([runCli(['validate', HUGE]), runCli(['validate', fast])]);
    expect(huge.code, huge.stderr).toBe(0);
    expect(huge.stderr).toContain(
      `fleetbench: warning: ${HUGE}: 150,000 devices in one process: at most 100,000 (the limit); split the run over machines with --shard i/n (n ≥ 2)`,
    );
    expect(rate.code, rate.stderr).toBe(0);
    expect(rate.stderr).toContain(`fleetbench: warning: ${fast}: 300,000 msg/s planned at peak in one process`);
    expect(rate.stderr).toContain('BENCHMARKS.md');
  });
});
