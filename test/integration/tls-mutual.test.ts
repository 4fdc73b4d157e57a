// Mutual TLS against real peers: a private Mosquitto with `require_certificate true`, a Node
// https server and a WebSocket server over it with `requestCert`, and the machine's RabbitMQ
// behind a TLS terminator with `requestCert` (the machine's broker has no TLS listener; a
// terminator in front of it is a common deployment), all trusting a CA made here with openssl. A device with a client certificate signed by that CA connects and delivers; one
// without a certificate, or with one from another CA, is refused with the TLS alert by name.
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Checker } from '../../src/base/check.ts';
import type { FleetbenchError } from '../../src/base/errors.ts';
import { run } from '../../src/index.ts';
import {
  type DeviceEvents,
  type DriverDevice,
  IGNORE_EVENTS,
  type OutgoingMessage,
} from '../../src/protocols/driver.ts';
import { driverFor } from '../../src/protocols/registry.ts';
import { type PrivateMosquitto, startMosquitto } from '../helpers/brokers.ts';
import { makePki, type Pki } from '../helpers/certs.ts';
import { eventually } from '../helpers/devices.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';

let mosq: PrivateMosquitto;
let pki: Pki;
let device0: { cert: string; key: string };
let rogue: { cert: string; key: string };
/** Peers that demand a client certificate signed by `pki.ca`, and the TLS sockets they accepted with one. */
let https: Server;
let wsServer: Server;
/** TLS with requestCert in front of the machine's RabbitMQ on 5672. */
let amqps: TlsServer;
const authorized: string[] = [];

function demanding(handler?: Parameters<typeof createHttpsServer>[1]): Server {
  const server = createHttpsServer(
    {
      cert: readFileSync(pki.serverCert),
      key: readFileSync(pki.serverKey),
      ca: readFileSync(pki.ca),
      requestCert: true,
      rejectUnauthorized: true,
    },
    handler,
  );
  server.on('secureConnection', (s) => {
    if (s.authorized) authorized.push(String(s.getPeerCertificate().subject?.CN));
  });
  server.listen(0, '127.0.0.1');
  return server;
}

beforeAll(async () => {
  mosq = await startMosquitto(
    {
      mtls: 'listener {port} 127.0.0.1\ncafile {dir}/ca.pem\ncertfile {dir}/server.pem\nkeyfile {dir}/server.key\nrequire_certificate true',
    },
    'allow_anonymous true\n',
    // Mosquitto drops to its own user: the PKI lives in its readable directory.
    (dir) => {
      pki = makePki(dir);
      device0 = pki.clientCert('device-0');
      rogue = makePki(dir, 'rogue CA').clientCert('rogue-device');
    },
  );
  https = demanding((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  wsServer = demanding();
  const wss = new WebSocketServer({ server: wsServer });
  // The bridge's answer to a publish (docs/websocket.md): `published` with the publish's id.
  wss.on('connection', (ws) =>
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { topic?: string; id?: number };
      if (m.id !== undefined) ws.send(JSON.stringify({ type: 'published', topic: m.topic, id: m.id }));
    }),
  );
  amqps = createTlsServer(
    {
      cert: readFileSync(pki.serverCert),
      key: readFileSync(pki.serverKey),
      ca: readFileSync(pki.ca),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (client) => {
      if (client.authorized) authorized.push(String(client.getPeerCertificate().subject?.CN));
      const broker = tcpConnect(5672, '127.0.0.1');
      client.on('error', () => broker.destroy());
      broker.on('error', () => client.destroy());
      client.pipe(broker).pipe(client);
    },
  );
  amqps.listen(0, '127.0.0.1');
  await Promise.all([once(https, 'listening'), once(wsServer, 'listening'), once(amqps, 'listening')]);
});
afterAll(async () => {
  for (const s of [https, wsServer]) {
    s?.closeAllConnections();
    s?.close();
  }
  amqps?.close();
  await mosq?.stop();
});

const portOf = (s: Server | TlsServer): number => (s.address() as { port: number }).port;

/** One full handshake in the device's wire totals, its bytes out carrying the client certificate. */
function sentItsCertificate(device: DriverDevice): void {
  const s = device.wire?.secure;
  expect(s).toMatchObject({ full: 1, resumed: 0, waits: 1 });
  // TLS 1.3 (RFC 8446 §4.4.2): Certificate, CertificateVerify and Finished follow the server's flight.
  const der = new X509Certificate(readFileSync(device0.cert)).raw.length;
  expect(s?.tx.bytes).toBeGreaterThan(der + 200);
  expect(s?.tx.bytes).toBeLessThan(der + 1500);
}

/** One device of `protocol`, driven directly (no run), and the acks it counted. */
function deviceOf(protocol: string, url: string, options: unknown): { device: DriverDevice; acks: OutgoingMessage[] } {
  const driver = driverFor(protocol);
  if (!driver) throw new Error(`no driver ${protocol}`);
  const check = new Checker();
  const resolved = driver.resolveOptions(options, 'test', check);
  if (!resolved) throw new Error(check.problems.join('\n'));
  const acks: OutgoingMessage[] = [];
  const events: DeviceEvents = { ...IGNORE_EVENTS, onAck: (m) => acks.push(m) };
  const device = driver.createDevice(
    { url, index: 0, clientId: `mtls-${protocol}`, options: resolved, connectTimeoutMs: 5000 },
    events,
  );
  return { device, acks };
}

/** The error connect() rejects with (undefined when it connects). */
async function refusal(protocol: string, url: string, options: unknown): Promise<FleetbenchError | undefined> {
  const { device } = deviceOf(protocol, url, options);
  try {
    await device.connect();
    return undefined;
  } catch (err) {
    return err as FleetbenchError;
  } finally {
    await device.close();
  }
}

const message = (seq: number): OutgoingMessage => ({
  topic: '/mtls/0',
  payload: Buffer.alloc(24, 0x2e),
  stamp: { stream: 1, seq, intendedUs: 1, sentUs: 1 },
});

describe('mutual TLS (client certificates)', () => {
  it('mqtts:// to Mosquitto with require_certificate: a run with the CA-signed certificate delivers every message', async () => {
    const tls = `tls: { ca: ${JSON.stringify(pki.ca)}, cert: ${JSON.stringify(device0.cert)}, key: ${JSON.stringify(device0.key)} }`;
    const file = writeScenario(
      'mtls',
      `export default defineScenario({
        name: 'mtls', duration: '1s', drain: '${DRAIN}',
        fleets: { s: { count: 2, protocol: mqtt({ qos: 1, ${tls} }), topic: 'fbtest/{run}/{id}', send: every('20ms'), messages: 10, payload: bytes(32) } },
        observers: { o: { protocol: mqtt({ qos: 1, ${tls} }), receives: ['s'] } },
      });`,
    );
    const { result } = await run({
      scenario: file,
      targets: { mqtt: `mqtts://127.0.0.1:${mosq.ports.mtls}` },
      workers: 1,
      write: false,
    });
    expect(result.fleets.s!.messages.acked).toBe(20);
    expect(result.delivery[0]!.unique).toBe(20);
    expect(result.delivery[0]!.lost).toBe(0);
  });

  it('mqtts:// without a certificate is refused as tls_certificate_required, with another CA as tls_unknown_ca', async () => {
    const url = `mqtts://127.0.0.1:${mosq.ports.mtls}`;
    const none = await refusal('mqtt', url, { tls: { ca: pki.ca } });
    expect(none?.reasonCode).toBe('tls_certificate_required');
    expect(none?.message).toMatch(
      /refused the TLS handshake: alert 116 certificate required \(.*set tls\.cert and tls\.key\)/,
    );
    expect(none?.message).not.toMatch(/ssl3_read_bytes|rec_layer/);
    const other = await refusal('mqtt', url, { tls: { ca: pki.ca, ...rogue } });
    expect(other?.reasonCode).toBe('tls_unknown_ca');
  });

  it('https:// and wss:// with requestCert: acknowledged with the certificate (PEM text works as well as a path), refused without', async () => {
    for (const [protocol, url] of [
      ['http', `https://127.0.0.1:${portOf(https)}`],
      ['ws', `wss://127.0.0.1:${portOf(wsServer)}`],
    ] as const) {
      const before = authorized.length;
      const pem = { cert: readFileSync(device0.cert, 'utf8'), key: readFileSync(device0.key, 'utf8') };
      const { device, acks } = deviceOf(protocol, url, { tls: { ca: pki.ca, ...pem } });
      await device.connect();
      expect(device.send(message(1))).toBe('sent');
      await eventually(() => acks.length === 1, 5000);
      await device.close();
      expect(authorized.slice(before)).toContain('device-0');
      sentItsCertificate(device);
      const none = await refusal(protocol, url, { tls: { ca: pki.ca } });
      expect(none?.reasonCode, protocol).toBe('tls_certificate_required');
    }
  });

  it('amqps:// with requestCert in front of RabbitMQ: confirmed with the certificate, refused without', async () => {
    const url = `amqps://guest:guest@127.0.0.1:${portOf(amqps)}`;
    const before = authorized.length;
    const { device, acks } = deviceOf('amqp', url, { confirm: true, tls: { ca: pki.ca, ...device0 } });
    await device.connect();
    expect(device.send(message(1))).toBe('sent');
    // A publisher confirm (AMQP 0-9-1 confirm.select) from RabbitMQ, through the TLS session.
    await eventually(() => acks.length === 1, 5000);
    await device.close();
    expect(authorized.slice(before)).toContain('device-0');
    sentItsCertificate(device);
    const none = await refusal('amqp', url, { tls: { ca: pki.ca } });
    expect(none?.reasonCode).toBe('tls_certificate_required');
    // Node's TLS server drops a certificate from an unknown CA without an alert (Mosquitto's
    // OpenSSL sends unknown_ca, named above): refused, with nothing more to name.
    const other = await refusal('amqp', url, { tls: { ca: pki.ca, ...rogue } });
    expect(other?.code).toBe('FB_CONNECT_REFUSED');
    expect(authorized.slice(before)).not.toContain('rogue-device');
  });

  it('a certificate without its key, or a key that is not the certificate’s, is a scenario error naming the field', () => {
    const driver = driverFor('mqtt')!;
    const check = new Checker();
    driver.resolveOptions({ tls: { cert: device0.cert } }, 'fleets.s.protocol', check);
    driver.resolveOptions({ tls: { cert: device0.cert, key: rogue.key } }, 'fleets.t.protocol', check);
    driver.resolveOptions(
      { tls: { cert: pki.ca.replace('ca.pem', 'missing.pem'), key: device0.key } },
      'fleets.u.protocol',
      check,
    );
    expect(check.problems).toEqual([
      'fleets.s.protocol.tls.key: is required with tls.cert (the private key of the client certificate)',
      'fleets.t.protocol.tls.key: is not the private key of the certificate in tls.cert',
      expect.stringMatching(
        /^fleets\.u\.protocol\.tls\.cert: cannot read the certificate file ".*missing\.pem" \(ENOENT\)$/,
      ),
    ]);
  });
});
