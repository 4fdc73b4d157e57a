// User mistakes and faults through the CLI: a clear message and exit code 2, never a stack
// trace; Ctrl-C writes a partial result. Mistakes and broker faults go through the CLI's entry
// (main(), as the executable calls it), each group's command lines one after the other in one
// process (test/helpers/cli-batch.ts): one start-up per group instead of one per command line.
// Ctrl-C needs a process of its own to signal: it runs the real executable.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type PrivateMosquitto, passwordFile, startMosquitto } from '../helpers/brokers.ts';
import { BATCH_KILL_MS, type BatchOutcome, cliBatch } from '../helpers/cli-batch.ts';
import { DRAIN, runCli, TMP_DIR, writeScenario } from '../helpers/scenario.ts';

const NO_STACK = /^\s+at .+\(.+:\d+:\d+\)$/m;

/** Runs named command lines in one batch; an outcome's `ms` is that command line's wall time alone. */
async function batch<K extends string>(lines: Record<K, string[]>): Promise<Record<K, BatchOutcome>> {
  const names = Object.keys(lines) as K[];
  const outcomes = await cliBatch(names.map((n) => lines[n]));
  return Object.fromEntries(names.map((n, i) => [n, outcomes[i]])) as Record<K, BatchOutcome>;
}

function sensorScenario(name: string, protocol: string, duration = '3s'): string {
  return writeScenario(
    name,
    `export default defineScenario({
      name: '${name}', duration: '${duration}', drain: '${DRAIN}',
      fleets: { s: { count: 4, protocol: ${protocol}, topic: 'fbtest/{run}/{id}', send: every('100ms'), payload: bytes(24) } },
      observers: { o: { protocol: ${protocol}, receives: ['s'] } },
    });`,
  );
}

describe('fleetbench CLI: bad input gets a clear error', () => {
  const badFile = writeScenario(
    'bad',
    `export default defineScenario({ name: 'bad', duration: 'soon', fleets: { gps: { count: -3, protocol: mqtt({ qos: 3 }), topic: 'x/{id}', send: every('1s') } } } as never);`,
  );
  const syntaxFile = writeScenario('syntax', 'export default {');
  const lines = {
    bad: ['validate', badFile],
    syntax: ['run', syntaxFile],
    missing: ['run', 'no-such-scenario.ts'],
    unknown: ['run', 'scenarios/quickstart.ts', '--no-such-flag'],
    target: ['run', 'scenarios/quickstart.ts', '--target', 'mqtt'],
    scheme: ['run', 'scenarios/quickstart.ts', '--target', 'mqtt=http://127.0.0.1:1883'],
    valid: ['validate', 'scenarios/quickstart.ts'],
  };
  let out!: Record<keyof typeof lines, BatchOutcome>;
  beforeAll(async () => {
    out = await batch(lines);
  }, BATCH_KILL_MS);

  it('names the file, every bad field and what was expected', () => {
    const r = out.bad;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${badFile}: invalid scenario`);
    expect(r.stderr).toContain(`duration: expected a positive duration like '30s' or '250ms', got "soon"`);
    expect(r.stderr).toContain('fleets.gps.count: expected a positive integer, got -3');
    expect(r.stderr).toContain('fleets.gps.protocol.qos: expected one of 0, 1, 2, got 3');
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('reports a syntax error in the scenario with its location', () => {
    const r = out.syntax;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('could not load the scenario');
    expect(r.stderr).toMatch(/syntax-\d+-\d+\.ts:\d+:\d+/);
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('reports a missing scenario file', () => {
    const r = out.missing;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such-scenario.ts: scenario file not found');
  });

  it('rejects unknown options and bad option values', () => {
    const { unknown, target, scheme } = out;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown argument/i);
    expect(target.code).toBe(2);
    expect(target.stderr).toContain('--target "mqtt": expected name=url');
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toContain('--target mqtt=…: expected a mqtt://');
  });

  it('validate prints the plan of a good scenario', () => {
    const r = out.valid;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('scenarios/quickstart.ts: valid');
    expect(r.stdout).toMatch(/gps: 100 × mqtt \(fleet\), publishes fleet\/\{id\}\/gps/);
  });
});

describe('fleetbench CLI: unreachable and refusing brokers', () => {
  let mosq: PrivateMosquitto;
  const unreachableFile = sensorScenario('unreachable', 'mqtt()');
  const silentFile = writeScenario(
    'silent',
    `export default defineScenario({ name: 'silent', duration: '1s', connectTimeout: '1500ms', fleets: { s: { count: 1, protocol: mqtt(), topic: 't/{id}', send: every('1s') } } });`,
  );
  /** Where nothing listens. */
  let closedPort = 0;
  /** A broker that accepts the socket but never sends CONNACK. */
  let silentPort = 0;
  let out!: Awaited<ReturnType<typeof runAll>>;
  // Each group of lines in the order of the tests; `validate` before a run gives that run's
  // scenario-loading time, which a busy machine stretches (a run that fails at connect takes that
  // plus its connect attempt).
  const runAll = () =>
    batch({
      unreachableLoad: ['validate', unreachableFile],
      unreachable: ['run', unreachableFile, '--target', `mqtt=mqtt://127.0.0.1:${closedPort}`],
      silentLoad: ['validate', silentFile],
      silent: ['run', silentFile, '--target', `mqtt=mqtt://127.0.0.1:${silentPort}`],
      badpass4: [
        'run',
        sensorScenario('badpass4', "mqtt({ username: 'device', password: 'wrong' })"),
        '--target',
        `mqtt=mqtt://device:wrong@127.0.0.1:${mosq.ports.auth}`,
      ],
      badpass5: [
        'run',
        sensorScenario('badpass5', "mqtt({ version: 5, username: 'device', password: 'wrong' })"),
        '--target',
        `mqtt=mqtt://127.0.0.1:${mosq.ports.auth}`,
      ],
      goodpass: [
        'run',
        sensorScenario('goodpass', "mqtt({ username: 'device', password: 'right-password' })", '1s'),
        '--target',
        `mqtt=mqtt://127.0.0.1:${mosq.ports.auth}`,
        '--out',
        join(TMP_DIR, 'reports'),
        '-q',
      ],
      embeddedV5: ['run', sensorScenario('embedded-v5', 'mqtt({ version: 5 })')],
      unbridged: [
        'run',
        writeScenario(
          'unbridged',
          `export default defineScenario({
            name: 'unbridged', duration: '1s',
            fleets: { gps: { count: 1, protocol: mqtt(), topic: 'gps/{id}', send: every('100ms') } },
            observers: { dash: { protocol: ws(), receives: ['gps'] } },
          });`,
        ),
        '-q',
      ],
    });
  beforeAll(async () => {
    mosq = await startMosquitto(
      { auth: 'listener {port} 127.0.0.1' },
      'allow_anonymous false\npassword_file {dir}/passwd\n',
      (dir) => passwordFile(dir, 'device', 'right-password'),
    );
    closedPort = await freePort();
    const silent = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
    try {
      out = await runAll();
    } finally {
      silent.close();
    }
  }, BATCH_KILL_MS);
  afterAll(async () => {
    await mosq.stop();
  });

  it('names the URL and the reason when nothing listens, within the connect timeout', () => {
    const { unreachableLoad: load, unreachable: r } = out;
    expect(load.code, load.stderr).toBe(0);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`mqtt://127.0.0.1:${closedPort}: cannot connect: connection refused (ECONNREFUSED)`);
    expect(r.stderr).not.toMatch(NO_STACK);
    // A refusal ends the attempt at once: no waiting out the 10 s default connect timeout.
    expect(r.ms, `loading alone took ${load.ms} ms`).toBeLessThan(load.ms + 10_000);
  });

  it('times out a broker that accepts the socket but never sends CONNACK', () => {
    const { silentLoad: load, silent: r } = out;
    expect(load.code, load.stderr).toBe(0);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`mqtt://127.0.0.1:${silentPort}: no CONNACK within 1500ms (connect timeout)`);
    // The scenario's 1500 ms, not the 10 s default: at least the one, less than loading plus the other.
    expect(r.ms).toBeGreaterThanOrEqual(1500);
    expect(r.ms, `loading alone took ${load.ms} ms`).toBeLessThan(load.ms + 10_000);
  });

  it('gives the CONNACK return code in plain words for refused credentials (3.1.1)', () => {
    const r = out.badpass4;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /broker refused the connection: (bad user name or password \(return code 4\)|not authorized \(return code 5\))/,
    );
    // The password never appears in output.
    expect(r.stderr).not.toContain('wrong@');
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('gives the MQTT 5 reason code for refused credentials', () => {
    const r = out.badpass5;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /broker refused the connection: (bad user name or password \(reason code 0x86\)|not authorized \(reason code 0x87\))/,
    );
  });

  it('runs when the credentials are right', () => {
    const r = out.goodpass;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/s → o\s+QoS 0 \(at most once\)/);
  });

  it('explains that the embedded broker does not speak MQTT 5', () => {
    const r = out.embeddedV5;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the embedded broker (aedes) speaks MQTT 3.1.1 only');
  });

  it('refuses a cross-protocol receiver when both sides are embedded servers, which nothing bridges', () => {
    const r = out.unbridged;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('dash (ws) receives gps (mqtt), but both use embedded servers, which nothing bridges');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('fleetbench CLI: Ctrl-C', () => {
  it('stops cleanly and writes a partial result marked partial', async () => {
    const out = join(TMP_DIR, `sigint-${process.pid}`);
    let sent = false;
    const r = await runCli(['run', sensorScenario('sigint', 'mqtt({ qos: 1 })', '60s'), '--out', out], {
      onSpawn: (child) => {
        child.stdout?.on('data', () => undefined);
        // Interrupt once the send phase is under way (the progress line shows seconds): at once
        // when it shows messages sent, else a moment later.
        child.stderr?.on('data', (d: Buffer) => {
          const line = /\[\d+s\/60s\] devices \d+\/\d+ \| sent (\d+)\/s/.exec(d.toString());
          if (!sent && line) {
            sent = true;
            if (Number(line[1]) > 0) child.kill('SIGINT');
            else setTimeout(() => child.kill('SIGINT'), 1500);
          }
        });
      },
      timeoutMs: 45_000,
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('stopping: draining in-flight messages and writing a partial result');
    expect(r.stdout).toContain('PARTIAL run');
    const dirs = readdirSync(out).filter((d) => d !== 'latest');
    expect(dirs).toHaveLength(1);
    const file = join(out, dirs[0]!, 'results.json');
    expect(existsSync(file)).toBe(true);
    const result = JSON.parse(readFileSync(file, 'utf8'));
    expect(result.run.partial).toBe(true);
    expect(result.fleets.s.messages.sent).toBeGreaterThan(0);
    // What was sent before the stop was still delivered and counted: QoS 1 loses nothing.
    const d = result.delivery.find((x: { from: string }) => x.from === 's');
    expect(d.lost).toBe(0);
  });
});
