// `fleetbench gateway` through the real executable: starts from a JSON config, prints its URLs,
// serves GET /stats, stops on SIGTERM with its stats printed and exit 0; bad configuration and
// unreachable or refusing brokers exit 2 with a message naming the field or the reason code,
// never a stack. The same start-up failures through the API are FleetbenchErrors.
import { createSocket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FleetbenchError } from '../../src/base/errors.ts';
import { startGateway } from '../../src/index.ts';
import { generate, parse, pathOptions } from '../../src/protocols/coap/codec.ts';
import { freePort, MOSQUITTO_URL } from '../helpers/brokers.ts';
import { runCli, TMP_DIR } from '../helpers/scenario.ts';

const RABBIT_URL = 'amqp://guest:guest@127.0.0.1:5672';
const NONCE = `gw${process.pid}x${Date.now().toString(36)}`;
let files = 0;

function configFile(config: unknown): string {
  mkdirSync(TMP_DIR, { recursive: true });
  const file = join(TMP_DIR, `gateway-${process.pid}-${files++}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

async function coapPost(port: number, messageId: number, path: string): Promise<string> {
  const socket = createSocket('udp4');
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no CoAP answer within 10 s')), 10_000);
      socket.on('message', (b) => {
        clearTimeout(timer);
        resolve(parse(b).code);
      });
      socket.send(
        generate({
          code: '0.02',
          confirmable: true,
          messageId,
          token: Buffer.from([1, 2]),
          options: pathOptions(path),
          payload: Buffer.from('x'),
        }),
        port,
        '127.0.0.1',
      );
    });
  } finally {
    socket.close();
  }
}

describe('fleetbench gateway (CLI)', () => {
  it('starts from --config, prints its URLs, serves /stats, and on SIGTERM flushes, prints its stats and exits 0', async () => {
    const file = configFile({
      mqtt: { url: MOSQUITTO_URL, clientId: `${NONCE}-cli` },
      coap: { port: 0, topic: 'cli/{path}' },
      admin: { port: 0 },
    });
    let stats: { coap: { accepted: number }; paths: Record<string, { forwarded: number }> } | undefined;
    const result = await runCli(['gateway', '--config', file, '--queue', '50'], {
      onSpawn: (child) => {
        let out = '';
        child.stdout!.on('data', async (d: Buffer) => {
          const before = out;
          out += d.toString();
          const admin = /admin\s+(http:\/\/\S+)\/stats/.exec(out);
          const coap = /coap\s+coap:\/\/127\.0\.0\.1:(\d+)/.exec(out);
          if (!admin || !coap || /admin\s+http/.test(before)) return;
          for (let i = 0; i < 3; i++)
            expect(await coapPost(Number(coap[1]), 10 + i, `/${NONCE}/cli/${i}`)).toBe('2.04');
          stats = (await (await fetch(`${admin[1]}/stats`)).json()) as typeof stats;
          child.kill('SIGTERM');
        });
      },
    });
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /coap\s+coap:\/\/127\.0\.0\.1:\d+ {2}→ mqtt:\/\/127\.0\.0\.1:1883 topic cli\/\{path\} QoS 1/,
    );
    expect(stats?.coap.accepted).toBe(3);
    // The stats printed on stop: all three forwarded, the queue capacity from --queue.
    expect(result.stdout).toMatch(/gateway stats after/);
    expect(result.stdout).toMatch(
      /coap→mqtt\s+received 3 {2}forwarded 3 {2}failed 0 {2}overflow 0 {2}refused 0 {2}abandoned 0 {2}queue high-water \d\/50/,
    );
    expect(result.stderr).toContain('stopping: ingest closed, flushing queues');
  });

  it('a bad configuration exits 2 naming the file and every bad field', async () => {
    const file = configFile({
      mqtt: { url: MOSQUITTO_URL },
      webhook: { url: 'http://127.0.0.1:1/x', retries: -1 },
      coap: { port: 'five' },
    });
    const result = await runCli(['gateway', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--config ${file}: invalid gateway configuration`);
    expect(result.stderr).toContain('coap.port: expected an integer from 0 to 65535, got "five"');
    expect(result.stderr).toContain('webhook.retries: expected an integer from 0 to 20, got -1');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('flags alone: a bad flag value is named by its field', async () => {
    const result = await runCli(['gateway', '--mqtt', 'mqtt://127.0.0.1:1883', '--coap-port', '-1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('command line: invalid gateway configuration');
    expect(result.stderr).toContain('coap.port: expected an integer from 0 to 65535, got -1');
  });

  it('an unreachable MQTT broker and refused AMQP credentials exit 2 with the reason, no stack', async () => {
    const port = await freePort();
    const mqtt = await runCli(['gateway', '--mqtt', `mqtt://127.0.0.1:${port}`, '--coap-port', '0']);
    expect(mqtt.code).toBe(2);
    expect(mqtt.stderr).toContain(
      `fleetbench: gateway mqtt mqtt://127.0.0.1:${port}: cannot connect: connection refused (ECONNREFUSED)`,
    );
    const amqp = await runCli(['gateway', '--amqp', 'amqp://guest:wrong@127.0.0.1:5672', '--coap-port', '0']);
    expect(amqp.code).toBe(2);
    expect(amqp.stderr).toContain(
      'gateway amqp amqp://guest:***@127.0.0.1:5672: broker refused the connection: 403 ACCESS_REFUSED',
    );
    expect(amqp.stderr).not.toContain('wrong');
    for (const r of [mqtt, amqp]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('startGateway start-up failures', () => {
  async function failure(config: Parameters<typeof startGateway>[0]): Promise<FleetbenchError> {
    try {
      const g = await startGateway(config);
      await g.close();
    } catch (err) {
      expect(err).toBeInstanceOf(FleetbenchError);
      return err as FleetbenchError;
    }
    throw new Error('expected startGateway to fail');
  }

  it('MQTT refused, AMQP 403, a missing exchange 404: FleetbenchErrors with the reason code', async () => {
    const port = await freePort();
    const refused = await failure({ mqtt: { url: `mqtt://127.0.0.1:${port}` }, coap: { port: 0 } });
    expect(refused).toMatchObject({ code: 'FB_CONNECT_REFUSED', reasonCode: 'ECONNREFUSED' });
    const denied = await failure({ amqp: { url: 'amqp://guest:nope@127.0.0.1:5672' }, coap: { port: 0 } });
    expect(denied).toMatchObject({ code: 'FB_CONNECT_REJECTED', reasonCode: 403 });
    expect(denied.message).toContain('403 ACCESS_REFUSED');
    const missing = await failure({ amqp: { url: RABBIT_URL, exchange: `${NONCE}-none` }, coap: { port: 0 } });
    expect(missing).toMatchObject({ code: 'FB_CONNECT_REJECTED', reasonCode: 404 });
    expect(missing.message).toMatch(/^amqp\.exchange: .* has no exchange "gw.*-none" \(404 NOT_FOUND\)/);
  });

  it('a taken CoAP port is a FleetbenchError naming coap.port', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((r) => taken.bind(0, '127.0.0.1', () => r()));
    try {
      const err = await failure({ mqtt: { url: MOSQUITTO_URL }, coap: { port: taken.address().port } });
      expect(err).toMatchObject({ code: 'FB_CONNECT_REFUSED', reasonCode: 'EADDRINUSE' });
      expect(err.message).toContain('the port is taken; choose another coap.port');
    } finally {
      taken.close();
    }
  });
});
