// Transports: mqtts:// and wss:// (TLS, self-signed CA) and ws:// against a private Mosquitto, and the
// embedded broker's WebSocket listener: same scenario, exact counts on each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { type PrivateMosquitto, selfSignedCert, startMosquitto } from '../helpers/brokers.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';

let mosq: PrivateMosquitto;
let ca = '';
beforeAll(async () => {
  mosq = await startMosquitto(
    {
      tls: 'listener {port} 127.0.0.1\ncertfile {dir}/cert.pem\nkeyfile {dir}/key.pem',
      ws: 'listener {port} 127.0.0.1\nprotocol websockets',
      wss: 'listener {port} 127.0.0.1\nprotocol websockets\ncertfile {dir}/cert.pem\nkeyfile {dir}/key.pem',
    },
    'allow_anonymous true\n',
    (dir) => {
      ca = selfSignedCert(dir).cert;
    },
  );
});
afterAll(async () => {
  await mosq.stop();
});

function scenario(tls: string): string {
  return writeScenario(
    'transport',
    `export default defineScenario({
      name: 'transport', duration: '10s', drain: '${DRAIN}',
      fleets: { s: { count: 4, protocol: mqtt({ qos: 1${tls} }), topic: 'fbtest/{run}/{id}', send: every('20ms'), messages: 25, payload: bytes(32) } },
      observers: { o: { protocol: mqtt({ qos: 1${tls} }), receives: ['s'] } },
    });`,
  );
}

async function exactCounts(file: string, url: string): Promise<void> {
  const { result } = await run({ scenario: file, targets: { mqtt: url }, workers: 1, write: false });
  const d = result.delivery[0]!;
  expect(result.fleets.s!.messages.sent).toBe(100);
  expect(d.unique).toBe(100);
  expect(d.lost).toBe(0);
  expect(result.fleets.s!.latency.connect!.count).toBe(4);
}

describe('MQTT transports', () => {
  it('mqtts:// with a self-signed CA', async () => {
    await exactCounts(scenario(`, tls: { ca: ${JSON.stringify(ca)} }`), `mqtts://127.0.0.1:${mosq.ports.tls}`);
  });

  it('wss:// with a self-signed CA', async () => {
    await exactCounts(scenario(`, tls: { ca: ${JSON.stringify(ca)} }`), `wss://127.0.0.1:${mosq.ports.wss}`);
  });

  it('mqtts:// refuses an untrusted certificate with a clear reason', async () => {
    await expect(
      run({
        scenario: scenario(''),
        targets: { mqtt: `mqtts://127.0.0.1:${mosq.ports.tls}` },
        workers: 1,
        write: false,
      }),
    ).rejects.toThrow(/cannot connect: self-signed certificate/);
  });

  it("ws:// against Mosquitto's websockets listener", async () => {
    await exactCounts(scenario(''), `ws://127.0.0.1:${mosq.ports.ws}`);
  });

  it('ws:// against the embedded broker (embedded:ws)', async () => {
    await exactCounts(scenario(''), 'embedded:ws');
  });
});
