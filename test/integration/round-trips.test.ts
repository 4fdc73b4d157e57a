// Round trips (wire.waits) as each driver counts them, from short runs against real peers: the
// machine's Mosquitto and RabbitMQ, the embedded HTTP, WebSocket and CoAP servers, libcoap's
// coap-server-notls for No-Response (RFC 7967). The power model
// prices each wait at the link's RTT, so a wrong count is a wrong energy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { startEmbeddedCoap } from '../../src/protocols/coap/embedded.ts';
import { MOSQUITTO_URL, portOpen } from '../helpers/brokers.ts';
import {
  coapHeader,
  type LibcoapServer,
  runLibcoapClient,
  startLibcoapServer,
  startLossyForwarder,
} from '../helpers/coap-peers.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';

const DEVICES = 2;
const READINGS = 4;
const TOTAL = DEVICES * READINGS;
const POWER = "power: { radio: 'cc2538-802154', session: 'persistent', keepalive: '60s' }";
const reading = `count: ${DEVICES}, send: every('200ms'), messages: ${READINGS}, payload: bytes(24), ${POWER}`;

describe('round trips per driver', () => {
  it('MQTT, HTTP, WebSocket and CoAP count the answers their devices waited for', async () => {
    const file = writeScenario(
      'round-trips',
      `export default defineScenario({
        name: 'round-trips', duration: '2s', drain: '${DRAIN}',
        targets: { mqtt: '${MOSQUITTO_URL}' },
        fleets: {
          q0: { ${reading}, protocol: mqtt({ qos: 0 }), topic: 'rt/{run}/q0/{id}' },
          q1: { ${reading}, protocol: mqtt({ qos: 1 }), topic: 'rt/{run}/q1/{id}' },
          q2: { ${reading}, protocol: mqtt({ qos: 2 }), topic: 'rt/{run}/q2/{id}' },
          web: { ${reading}, protocol: http({ keepAlive: true }), path: '/rt/{id}' },
          sock: { ${reading}, protocol: ws(), topic: 'rt/{run}/ws/{id}' },
          con: { ${reading}, protocol: coap({ type: 'CON' }), path: '/rt/con/{id}' },
          quiet: { ${reading}, protocol: coap({ type: 'NON', noResponse: true }), path: '/rt/quiet/{id}' },
        },
      });`,
    );
    const { result } = await run({ scenario: file, workers: 1, write: false });
    const f = result.fleets;
    for (const name of ['q0', 'q1', 'q2', 'web', 'sock', 'con', 'quiet'])
      expect(f[name]!.messages, name).toMatchObject({ sent: TOTAL, dropped: 0 });

    // MQTT: CONNACK is one handshake wait per connection; PINGRESP a keepalive wait each.
    for (const name of ['q0', 'q1', 'q2']) {
      const w = f[name]!.wire!;
      expect(w.connections, name).toBe(DEVICES);
      expect(w.waits.handshake, name).toBe(DEVICES);
      expect(w.waits.keepalive, name).toBe(w.rx.keepalive.packets);
    }
    expect(f.q0!.wire!.waits.data).toBe(0);
    // §3.4 PUBACK ends a QoS 1 PUBLISH; §4.3.3 PUBREC and PUBCOMP are two waits per QoS 2 PUBLISH.
    expect(f.q1!.wire!.waits.data).toBe(TOTAL);
    expect(f.q2!.wire!.waits.data).toBe(2 * TOTAL);

    // HTTP: one wait per response, every request answered.
    expect(f.web!.wire!.waits).toEqual({ handshake: 0, data: TOTAL, keepalive: 0 });
    expect(f.web!.messages.acked).toBe(TOTAL);

    // WebSocket: the 101 per connection; each publish waits for its 'published' answer.
    expect(f.sock!.wire!.waits).toEqual({ handshake: DEVICES, data: TOTAL, keepalive: 0 });

    // CoAP CON: one ACK (piggybacked response) per request.
    expect(f.con!.wire!.waits).toEqual({ handshake: 0, data: TOTAL, keepalive: 0 });
    // NON with No-Response (RFC 7967): nothing waited for, nothing came back, yet every reading
    // reached the embedded server, which timed it end to end.
    const quiet = f.quiet!.wire!;
    expect(quiet.waits).toEqual({ handshake: 0, data: 0, keepalive: 0 });
    expect(quiet.tx.data.packets).toBe(TOTAL);
    expect(quiet.rx.data).toEqual({ packets: 0, bytes: 0 });
    const d = result.delivery.find((x) => x.from === 'quiet')!;
    expect(d).toMatchObject({ expected: TOTAL, unique: TOTAL, lost: 0 });
  });

  it('AMQP counts each method reply as a handshake wait and each confirm frame as a data wait', async () => {
    // The machine's RabbitMQ is a required peer (.ci/run starts it): its absence fails, never skips.
    expect(await portOpen(5672)).toBe(true);
    const file = writeScenario(
      'round-trips-amqp',
      `export default defineScenario({
        name: 'round-trips-amqp', duration: '2s', drain: '${DRAIN}',
        targets: { amqp: 'amqp://guest:guest@127.0.0.1:5672' },
        fleets: {
          confirmed: { ${reading}, protocol: amqp({ confirm: true }), topic: 'rt.{run}.amqp.{id}' },
        },
      });`,
    );
    const { result } = await run({ scenario: file, workers: 1, write: false });
    const f = result.fleets.confirmed!;
    expect(f.messages).toMatchObject({ sent: TOTAL, acked: TOTAL });
    const w = f.wire!;
    expect(w.connections).toBe(DEVICES);
    // A multiple Basic.Ack confirms several publishes in one frame: one wait.
    expect(w.waits.data).toBeGreaterThan(0);
    expect(w.waits.data).toBeLessThanOrEqual(TOTAL);
    // §2.2.4: Start, Tune, Open-Ok, then Channel.Open-Ok and Confirm.Select-Ok, and on close
    // Connection.Close-Ok: at least six per connection.
    expect(w.waits.handshake).toBeGreaterThanOrEqual(6 * DEVICES);
    expect(w.waits.keepalive).toBe(0);
  });
});

describe('CoAP retransmissions', () => {
  it('a CON retransmitted before its ACK is still one wait (RFC 7252 §4.2)', async () => {
    const server = await startEmbeddedCoap();
    // Drops the first copy of every POST (one device: Message IDs are per endpoint), so each is sent twice.
    const seen = new Set<number>();
    const fwd = await startLossyForwarder({
      target: { host: '127.0.0.1', port: Number(new URL(server.urls.default!).port) },
      dropUpstream: (_n, d) => {
        const h = coapHeader(d);
        if (h.type !== 'CON' || h.code !== '0.02' || seen.has(h.messageId)) return false;
        seen.add(h.messageId);
        return true;
      },
    });
    try {
      const file = writeScenario(
        'round-trips-lossy',
        `export default defineScenario({
          name: 'round-trips-lossy', duration: '3s', drain: '${DRAIN}',
          fleets: {
            con: { count: 1, send: every('300ms'), messages: ${READINGS}, payload: bytes(24), ${POWER},
              protocol: coap({ type: 'CON', ackTimeout: '100ms', ackRandomFactor: 1 }), path: '/rt/lossy' },
          },
        });`,
      );
      const { result } = await run({ scenario: file, workers: 1, write: false, targets: { coap: fwd.url() } });
      const f = result.fleets.con!;
      expect(f.messages).toMatchObject({ sent: READINGS, acked: READINGS });
      expect(f.coap!.retransmissions).toBe(READINGS);
      expect(f.wire!.tx.data.packets).toBe(2 * READINGS);
      expect(f.wire!.waits).toEqual({ handshake: 0, data: READINGS, keepalive: 0 });
    } finally {
      await fwd.close();
      await server.close();
    }
  });
});

describe('CoAP No-Response (RFC 7967) against libcoap coap-server-notls', () => {
  let server: LibcoapServer;
  beforeAll(async () => {
    // -d 10: a PUT to a new path creates the resource (see test/helpers/coap-peers.ts).
    server = await startLibcoapServer({ args: ['-d', '10'] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('NON PUTs with No-Response 26 reach the server, which sends nothing back', async () => {
    const get = (id: number) => runLibcoapClient(['-B', '2', '-m', 'get', `${server.url}/quiet${id}`], 10_000);
    // Not there before the run: libcoap answers 4.04 (coap-client prints nothing, exits non-zero or prints the code).
    const before = await get(0);
    const file = writeScenario(
      'round-trips-libcoap',
      `export default defineScenario({
        name: 'round-trips-libcoap', duration: '2s', drain: '${DRAIN}',
        fleets: {
          quiet: { ${reading}, protocol: coap({ type: 'NON', method: 'PUT', noResponse: true }), path: '/quiet{id}' },
        },
      });`,
    );
    const { result } = await run({ scenario: file, workers: 1, write: false, targets: { coap: server.url } });
    const f = result.fleets.quiet!;
    expect(f.messages).toMatchObject({ sent: TOTAL, dropped: 0 });
    // Nothing came back to the devices: no datagram, no wait, no unexpected response.
    expect(f.coap!.datagrams).toMatchObject({ sent: TOTAL, received: 0 });
    expect(f.wire!.waits).toEqual({ handshake: 0, data: 0, keepalive: 0 });
    expect(f.wire!.rx.data).toEqual({ packets: 0, bytes: 0 });
    // Yet the server took every device's PUT: the resources exist now, each with a 24-byte body.
    for (let id = 0; id < DEVICES; id++) {
      const after = await get(id);
      // Bytes, not characters: a random body can hold valid UTF-8 sequences.
      expect(after.stdoutBytes, `GET /quiet${id}: ${after.stdout}${after.stderr}`).toBeGreaterThanOrEqual(24);
    }
    expect(before.stdoutBytes).toBeLessThan(24);
  });
});
