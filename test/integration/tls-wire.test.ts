// TLS handshakes on the wire: sleep-mode devices over mqtts:// and wss:// (a private Mosquitto
// with TLS 1.3 and TLS 1.2-only listeners) and https:// (the embedded server) connect once per
// report; the first handshake is full, the next ones resume the session the device kept, and the
// result's `secure` block counts both, with the bytes, segments and round trips each took.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import type { WireTotalsByKind } from '../../src/power/wire.ts';
import { MOSQUITTO_URL, type PrivateMosquitto, selfSignedCert, startMosquitto } from '../helpers/brokers.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';

const DEVICES = 2;
const READINGS = 3;
const REPORTS = DEVICES * READINGS;

let mosq: PrivateMosquitto;
let ca = '';
let certBytes = 0;
// Mosquitto's tls_version is a minimum: TLS 1.2 comes from a TLS 1.2-only terminator in front of
// the machine's Mosquitto, with Node's default session tickets (RFC 5077).
let tls12: tls.Server;
let https: Server;
/** TLS (Node's defaults: 1.3, tickets) in front of the machine's RabbitMQ on 5672. */
let amqps: tls.Server;
beforeAll(async () => {
  const files = 'certfile {dir}/cert.pem\nkeyfile {dir}/key.pem';
  let key = '';
  mosq = await startMosquitto(
    {
      tls13: `listener {port} 127.0.0.1\n${files}`,
      wss: `listener {port} 127.0.0.1\nprotocol websockets\n${files}`,
    },
    'allow_anonymous true\n',
    (dir) => {
      ({ cert: ca, key } = selfSignedCert(dir));
    },
  );
  const terminator = (port: number, options: tls.TlsOptions = {}): Promise<tls.Server> => {
    const server = tls.createServer({ cert: readFileSync(ca), key: readFileSync(key), ...options }, (s) => {
      const b = net.connect(port, '127.0.0.1');
      s.pipe(b).pipe(s);
      s.on('error', () => b.destroy());
      b.on('error', () => s.destroy());
    });
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
  };
  tls12 = await terminator(Number(new URL(MOSQUITTO_URL).port), { maxVersion: 'TLSv1.2' });
  amqps = await terminator(5672);
  https = createHttpsServer({ cert: readFileSync(ca), key: readFileSync(key) }, (req, res) => {
    req.resume();
    req.on('end', () => res.end());
  });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  certBytes = new X509Certificate(readFileSync(ca)).raw.length;
});
afterAll(async () => {
  tls12?.close();
  amqps?.close();
  https?.closeAllConnections();
  https?.close();
  await mosq.stop();
});

async function sleepFleet(url: string, tls: string, protocol = 'mqtt({ qos: 1, '): Promise<WireTotalsByKind> {
  const file = writeScenario(
    'tls-wire',
    `export default defineScenario({
      name: 'tls-wire', duration: '10s', drain: '${DRAIN}',
      fleets: { s: { count: ${DEVICES}, protocol: ${protocol}tls: { ca: ${JSON.stringify(ca)}${tls} } }),
        ${protocol.startsWith('http') ? "path: '/t/{id}'" : protocol.startsWith('amqp') ? "topic: 'fbtest.{run}.{id}'" : "topic: 'fbtest/{run}/{id}'"}, send: every('300ms'), messages: ${READINGS}, payload: bytes(24),
        power: { radio: 'cc2538-802154', session: 'sleep', battery: '2xAA' } } },
    });`,
  );
  const { result } = await run({ scenario: file, targets: { [protocol.slice(0, 4)]: url }, workers: 1, write: false });
  // A report slot the machine was too busy for is skipped (late): every report sent is one
  // connection, and each device's first is its only full handshake.
  const m = result.fleets.s!.messages;
  expect(m.acked).toBe(m.sent);
  expect(m.sent).toBeGreaterThanOrEqual(REPORTS - 2);
  const w = result.fleets.s!.wire!;
  expect(w.connections).toBe(m.sent);
  return w;
}

/** What any of these handshakes must look like: `fullWaits` and `resumedWaits` round trips each. */
function sane(w: WireTotalsByKind, fullWaits: number, resumedWaits: number): void {
  const s = w.secure;
  const n = w.connections;
  expect(s.full + s.resumed).toBe(n);
  expect(s.waits).toBe(s.full * fullWaits + s.resumed * resumedWaits);
  // The client writes two flights (ClientHello, then its Finished), each within one segment.
  expect(s.tx.packets).toBe(2 * n);
  // ClientHello alone is a couple of hundred bytes; no client certificate here.
  expect(s.tx.bytes / n).toBeGreaterThan(150);
  expect(s.tx.bytes / n).toBeLessThan(1200);
  // Full handshakes carry the server's certificate; resumed ones do not.
  expect(s.rx.bytes).toBeGreaterThan(s.full * certBytes);
  expect(s.rx.bytes).toBeLessThan(s.full * (certBytes + 2500) + s.resumed * 1200);
  expect(s.rx.packets).toBeGreaterThanOrEqual(n);
}

describe('TLS handshakes in the wire totals', () => {
  it('mqtts:// TLS 1.3: one full handshake per device, then resumed; one round trip each', async () => {
    const w = await sleepFleet(`mqtts://127.0.0.1:${mosq.ports.tls13}`, '');
    // Every handshake negotiated TLS 1.3: its records are priced at 22 B of overhead, not 29.
    expect(w.secure).toMatchObject({ full: DEVICES, resumed: w.connections - DEVICES, tls13: w.connections });
    sane(w, 1, 1);
  });

  it('mqtts:// TLS 1.2: two round trips when full, one when resumed', async () => {
    const w = await sleepFleet(`mqtts://127.0.0.1:${(tls12.address() as net.AddressInfo).port}`, '');
    expect(w.secure).toMatchObject({ full: DEVICES, resumed: w.connections - DEVICES, tls13: 0 });
    sane(w, 2, 1);
    // The server's two flights: ServerHello…ServerHelloDone, then (ticket,) ChangeCipherSpec, Finished.
    expect(w.secure.rx.packets).toBeGreaterThanOrEqual(2 * DEVICES + (w.connections - DEVICES));
  });

  it('tls.resume: false makes every handshake full', async () => {
    const w = await sleepFleet(`mqtts://127.0.0.1:${mosq.ports.tls13}`, ', resume: false');
    expect(w.secure).toMatchObject({ full: w.connections, resumed: 0 });
    sane(w, 1, 1);
  });

  it('wss:// counts the TLS under the WebSocket', async () => {
    const w = await sleepFleet(`wss://127.0.0.1:${mosq.ports.wss}`, '');
    expect(w.secure).toMatchObject({ full: DEVICES, resumed: w.connections - DEVICES });
    sane(w, 1, 1);
  });

  it('https:// counts every connection of a device without keepAlive: the first full, the next resumed', async () => {
    const url = `https://127.0.0.1:${(https.address() as net.AddressInfo).port}`;
    const w = await sleepFleet(url, '', 'http({ keepAlive: false, ');
    expect(w.secure).toMatchObject({ full: DEVICES, resumed: w.connections - DEVICES });
    sane(w, 1, 1);
  });

  it('amqps:// (amqplib opens the TLS socket): full then resumed, the protocol header not counted as handshake', async () => {
    const port = (amqps.address() as net.AddressInfo).port;
    const w = await sleepFleet(`amqps://guest:guest@127.0.0.1:${port}`, '', 'amqp({ ');
    expect(w.secure).toMatchObject({ full: DEVICES, resumed: w.connections - DEVICES });
    sane(w, 1, 1);
  });
});
