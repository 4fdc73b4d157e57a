// Across protocols and through faults: MQTT devices publishing into RabbitMQ's MQTT plugin,
// consumed over AMQP from amq.topic (topic '/' ↔ routing key '.'), with exact counts; and an
// AMQP target that refuses credentials, refuses connections, or closes a channel with
// PRECONDITION_FAILED, reported with the reply code while the other fleets run on.
import { execFileSync } from 'node:child_process';
import amqplib from 'amqplib';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { freePort, portOpen } from '../helpers/brokers.ts';
import { DRAIN, runCli, writeScenario } from '../helpers/scenario.ts';

const RABBITMQ = 'amqp://guest:guest@127.0.0.1:5672';
const RABBITMQ_MQTT = 'mqtt://guest:guest@127.0.0.1:1884';
const ROOT = new URL('../..', import.meta.url).pathname;

beforeAll(() => {
  // The MQTT plugin listens on 1884 (Mosquitto owns 1883); enable it when it is missing.
  return portOpen(1884).then((open) => {
    if (!open) execFileSync('bash', [`${ROOT}.ci/rabbitmq-mqtt.sh`], { stdio: 'inherit' });
  });
}, 60_000);

// Two hops through RabbitMQ (its MQTT plugin, then a queue): the drains cover the last messages on a loaded machine.
describe('MQTT → RabbitMQ MQTT plugin → AMQP', () => {
  it('every MQTT QoS 1 publish reaches the AMQP consumers bound to amq.topic, exactly once each', async () => {
    const file = writeScenario(
      'mqtt-to-amqp',
      `export default defineScenario({
        name: 'mqtt-to-amqp', duration: '10s', drain: '3s',
        targets: { mqtt: '${RABBITMQ_MQTT}', amqp: '${RABBITMQ}' },
        fleets: { trackers: { count: 5, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/gps/{id}', send: every('20ms'), messages: 30, payload: bytes(40) } },
        // No subscribe: the binding key is derived from the MQTT topic, fbtest.<run>.gps.*
        observers: { backend: { count: 2, protocol: amqp({ prefetch: 50 }), receives: ['trackers'] } },
      });`,
    );
    const { result } = await run({ scenario: file, workers: 1, write: false });
    expect(result.fleets.trackers!.messages.acked).toBe(150);
    const d = result.delivery.find((x) => x.from === 'trackers' && x.to === 'backend')!;
    expect(d.expected).toBe(300);
    expect(d.unique).toBe(300);
    expect(d.lost).toBe(0);
    expect(d.duplicated).toBe(0);
    expect(d.latency.corrected.count).toBe(300);
    // The promise names both hops.
    expect(d.promise.label).toBe('mqtt QoS 1 → amqp publisher confirms + manual ack (each hop acknowledged)');
    expect(d.promise.noLoss).toBe(true);
    expect(d.verdict.kept).toBe(true);
  });

  it('AMQP publishers reach MQTT subscribers of the plugin (routing key "." → topic "/")', async () => {
    const file = writeScenario(
      'amqp-to-mqtt',
      `export default defineScenario({
        name: 'amqp-to-mqtt', duration: '10s', drain: '3s',
        targets: { mqtt: '${RABBITMQ_MQTT}', amqp: '${RABBITMQ}' },
        fleets: { backend: { count: 2, protocol: amqp(), topic: 'fbtest.{run}.cmd.{id}', send: every('20ms'), messages: 20, payload: bytes(32) } },
        observers: { dash: { count: 3, protocol: mqtt({ qos: 1 }), receives: ['backend'] } },
      });`,
    );
    const { result } = await run({ scenario: file, workers: 1, write: false });
    const d = result.delivery.find((x) => x.from === 'backend' && x.to === 'dash')!;
    expect(d.expected).toBe(120);
    expect(d.unique).toBe(120);
    expect(d.lost).toBe(0);
  });
});

describe('AMQP faults are reported with the reply code, and the run goes on', () => {
  it('a queue redeclared with other arguments fails with 406 PRECONDITION_FAILED; the MQTT fleet still delivers', async () => {
    const queue = `fbtest-pre-${Date.now()}`;
    const conn = await amqplib.connect(RABBITMQ);
    const ch = await conn.createChannel();
    await ch.assertQueue(queue, { autoDelete: false, arguments: { 'x-max-length': 5 } });
    try {
      const file = writeScenario(
        'amqp-precondition',
        `export default defineScenario({
          name: 'amqp-precondition', duration: '5s', drain: '${DRAIN}',
          targets: { amqp: '${RABBITMQ}' },
          fleets: { sensors: { count: 2, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/pre/{id}', send: every('20ms'), messages: 10 } },
          observers: {
            dash: { protocol: mqtt({ qos: 1 }), receives: ['sensors'] },
            backend: { protocol: amqp({ queue: { name: '${queue}', durable: true, autoDelete: false, maxLength: 10 } }), subscribe: 'fbtest.#', receives: ['sensors'] },
          },
        });`,
      );
      const { result } = await run({ scenario: file, workers: 1, write: false });
      const err = result.errors.find((e) => e.group === 'backend');
      expect(err?.code).toBe('amqp.406');
      expect(err?.message).toContain('PRECONDITION_FAILED');
      expect(err?.message).toContain("inequivalent arg 'x-max-length'");
      // The rest of the run is unaffected.
      const ok = result.delivery.find((x) => x.from === 'sensors' && x.to === 'dash')!;
      expect(ok.unique).toBe(20);
      const failed = result.delivery.find((x) => x.from === 'sensors' && x.to === 'backend')!;
      expect(failed.verdict.kept).toBe(false);
      expect(failed.verdict.violations).toContain('no backend device subscribed');
    } finally {
      await ch.deleteQueue(queue);
      await conn.close();
    }
  });

  it('refused credentials: 403 ACCESS_REFUSED, a warning, the other fleets run, and the run fails its health', async () => {
    const file = writeScenario(
      'amqp-auth',
      `export default defineScenario({
        name: 'amqp-auth', duration: '5s', drain: '${DRAIN}',
        targets: { amqp: 'amqp://guest:wrong@127.0.0.1:5672' },
        fleets: {
          sensors: { count: 2, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/auth/{id}', send: every('20ms'), messages: 10 },
          gw: { count: 2, protocol: amqp(), topic: 'fbtest.auth', send: every('20ms'), messages: 10 },
        },
        observers: { dash: { protocol: mqtt({ qos: 1 }), receives: ['sensors'] } },
      });`,
    );
    const cli = await runCli(['run', file, '--quiet', '--out', `${ROOT}test/.tmp/reports`]);
    // The run went on for the MQTT fleets, but a group that never connected fails it.
    expect(cli.code).toBe(1);
    const text = cli.stdout.replace(/\n {2}(?=\S)/g, ' ');
    expect(text).toMatch(/HEALTH FAILED never_connected: gw: none of 2 devices connected \(.*403 ACCESS_REFUSED/);
    expect(text).toContain('HEALTH FAILED connect_errors: 2 connection attempts failed: gw 2');
    expect(cli.stderr).toContain('warning:');
    expect(cli.stderr).toContain('403 ACCESS_REFUSED');
    expect(cli.stderr).not.toMatch(/\n\s+at /);
    const path = /results: (.*)/.exec(cli.stdout)?.[1];
    const result = JSON.parse(execFileSync('cat', [path as string]).toString());
    expect(result.warnings[0]).toContain('403 ACCESS_REFUSED');
    expect(result.fleets.gw.devices.connectFailed).toBe(2);
    expect(result.errors.find((e: { group: string }) => e.group === 'gw').code).toBe('FB_CONNECT_REJECTED:403');
    expect(result.delivery.find((d: { from: string }) => d.from === 'sensors').unique).toBe(20);
  });

  it('an AMQP-only scenario against refused credentials stops before the run with the reply code (exit 2, no stack)', async () => {
    const file = writeScenario(
      'amqp-auth-only',
      `export default defineScenario({
        name: 'amqp-auth-only', duration: '5s',
        targets: { amqp: 'amqp://guest:wrong@127.0.0.1:5672' },
        fleets: { gw: { count: 1, protocol: amqp(), topic: 'fbtest.auth', send: every('20ms'), messages: 5 } },
      });`,
    );
    const cli = await runCli(['run', file, '--quiet']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('amqp://guest:***@127.0.0.1:5672');
    expect(cli.stderr).toContain('403 ACCESS_REFUSED');
    expect(cli.stderr).not.toMatch(/\n\s+at /);
  });

  it('a refused connection names the URL and ECONNREFUSED', async () => {
    const port = await freePort();
    const file = writeScenario(
      'amqp-refused',
      `export default defineScenario({
        name: 'amqp-refused', duration: '5s',
        targets: { amqp: 'amqp://127.0.0.1:${port}' },
        observers: undefined,
        fleets: { gw: { count: 1, protocol: amqp(), topic: 'fbtest.refused', send: every('20ms'), messages: 5 } },
      });`,
    );
    const cli = await runCli(['run', file, '--quiet']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain(`127.0.0.1:${port}`);
    expect(cli.stderr).toContain('ECONNREFUSED');
  });
});
