// CoAP over DTLS 1.2 (coaps://, RFC 7252 §9.1.3.1 PSK) against libcoap's DTLS server,
// coap-server-openssl: requests acknowledged through the session, the handshake's datagrams
// counted as `handshake` and priced by the power model, the data records counted with their DTLS
// overhead, and a wrong key or missing credentials refused by name. Only this direction exists:
// node-dtls-client is a DTLS client, so fleetbench serves no coaps:// (libcoap's
// coap-client-openssl has nothing of ours to talk to).
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import type { FleetbenchError } from '../../src/base/errors.ts';
import { run } from '../../src/index.ts';
import { coapDriver } from '../../src/protocols/coap/index.ts';
import type { CoapStats } from '../../src/protocols/coap/stats.ts';
import type { DeviceEvents, ReceivedMessage } from '../../src/protocols/driver.ts';
import { freeUdpPorts, waitForCoap } from '../helpers/coap-peers.ts';
import { eventually } from '../helpers/devices.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';

const KEY = 'fleet-secret-7';
let server: ChildProcess;
let output = '';
/** coap-server-openssl -p P serves plain CoAP on P and DTLS on P + 1. */
let plain = 0;
let url = '';

beforeAll(async () => {
  plain = await freeUdpPorts(2);
  url = `coaps://127.0.0.1:${plain + 1}`;
  // -k: the PSK for every identity; -h: the identity hint; -d 10: PUT creates resources.
  server = spawn(
    'coap-server-openssl',
    ['-A', '127.0.0.1', '-p', String(plain), '-k', KEY, '-h', 'fleet', '-d', '10', '-v', '3'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await waitForCoap(plain, '127.0.0.1', 15_000, () =>
    server.exitCode !== null ? `coap-server-openssl exited: ${output}` : undefined,
  );
});
afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
});

/** One device driven directly (no run); `messages` collects what it receives. */
function deviceOf(target: string, dtls: unknown, connectTimeoutMs: number, messages: ReceivedMessage[] = []) {
  const check = new Checker();
  const options = coapDriver.resolveOptions({ dtls }, 'test', check);
  if (!options) throw new Error(check.problems.join('\n'));
  const nothing = (): void => undefined;
  const events = {
    onMessage: (m: ReceivedMessage) => messages.push(m),
    onAck: nothing,
    onCode: nothing,
    onError: nothing,
    onDisconnect: nothing,
    onInDoubt: nothing,
    onResend: nothing,
    onLatency: nothing,
  } as DeviceEvents;
  return coapDriver.createDevice({ url: target, index: 3, clientId: 'dev-3', options, connectTimeoutMs }, events);
}

/** The error connect() of one device with `dtls` rejects with, or undefined when it connects. */
async function refusal(target: string, dtls: unknown, connectTimeoutMs = 5000): Promise<FleetbenchError | undefined> {
  const device = deviceOf(target, dtls, connectTimeoutMs);
  try {
    await device.connect();
    return undefined;
  } catch (err) {
    return err as FleetbenchError;
  } finally {
    await device.close();
  }
}

describe('coaps:// against libcoap coap-server-openssl (PSK)', () => {
  it('PUTs acknowledged over DTLS; handshake datagrams counted and priced, data records counted with their overhead', async () => {
    const file = writeScenario(
      'coaps',
      `export default defineScenario({
        name: 'coaps', duration: '1s', drain: '${DRAIN}',
        fleets: { s: {
          count: 2, protocol: coap({ method: 'PUT', dtls: { identity: 'sensor-{id}', key: ${JSON.stringify(KEY)} } }),
          topic: '/dtls/{id}', send: every('20ms'), messages: 5, payload: bytes(32),
          power: { radio: 'cc2538-802154' },
        } },
      });`,
    );
    const { result } = await run({ scenario: file, targets: { coap: url }, workers: 1, write: false });
    const f = result.fleets.s!;
    expect(f.messages.sent).toBe(10);
    expect(f.messages.acked).toBe(10);
    const w = f.wire!;
    // One DTLS session per device, its handshake full (node-dtls-client resumes nothing), the
    // session's own datagrams in `secure` only. Per session (RFC 6347 §4.2.1, §4.2.4):
    // ClientHello, ClientHello with the server's cookie, ClientKeyExchange + ChangeCipherSpec +
    // Finished, and the close_notify alert; the server answers HelloVerifyRequest, ServerHello …
    // ServerHelloDone, ChangeCipherSpec + Finished: three server flights waited for.
    expect(w.connections).toBe(2);
    expect(w.secure).toMatchObject({ full: 2, resumed: 0, waits: 3 * 2 });
    expect(w.secure.tx.packets).toBe(4 * 2);
    expect(w.secure.rx.packets).toBe(3 * 2);
    expect(w.secure.tx.bytes).toBeGreaterThan(200 * 2);
    expect(w.secure.rx.bytes).toBeGreaterThan(100 * 2);
    expect(w.tx.handshake.packets + w.rx.handshake.packets).toBe(0);
    // Every CoAP datagram is one DTLS record: 13 B header, 8 B explicit nonce, then the tag
    // (16 B for AES-GCM/CCM, 8 B for CCM_8), whatever suite the two sides chose.
    const coap = (f as unknown as { coap: CoapStats }).coap;
    expect(w.tx.data.packets).toBe(coap.datagrams.sent);
    expect(w.rx.data.packets).toBe(coap.datagrams.received);
    const overhead = (w.tx.data.bytes - f.bytes.sent) / w.tx.data.packets;
    expect([29, 37]).toContain(overhead);
    expect((w.rx.data.bytes - f.bytes.received) / w.rx.data.packets).toBe(overhead);
    // The handshake is priced: a one-off set-up per device, with its measured datagrams.
    expect(f.power!.setupmJ).toBeGreaterThan(0);
  });

  it('an observer over DTLS: registers on /time (RFC 7641) and receives its notifications through the session', async () => {
    const messages: ReceivedMessage[] = [];
    const device = deviceOf(url, { key: KEY }, 5000, messages);
    await device.connect();
    await device.subscribe(['/time']);
    // libcoap notifies /time once a second; the registration's own answer is the first.
    await eventually(() => messages.length >= 2, 10_000);
    expect(messages[0]!.topic).toBe('/time');
    expect(messages[0]!.payload.toString()).toMatch(/^[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}$/);
    await device.close();
    expect(device.wire!.connections).toBe(1);
  });

  it('a wrong key is dtls_handshake_failure (the server repeats its ServerHello), long before the timeout', async () => {
    const started = Date.now();
    const e = await refusal(url, { identity: 'sensor-{id}', key: 'not-the-key' }, 10_000);
    expect(e?.reasonCode).toBe('dtls_handshake_failure');
    expect(e?.message).toMatch(/wrong pre-shared key for identity "sensor-3"/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('coaps:// without credentials, and a DTLS port nobody answers, are named', async () => {
    expect((await refusal(url, undefined))?.reasonCode).toBe('dtls_no_credentials');
    // The plain CoAP port does not answer DTLS records.
    const silent = await refusal(`coaps://127.0.0.1:${plain}`, { key: KEY }, 300);
    expect(silent?.reasonCode).toBe('dtls_handshake_timeout');
  });
});
