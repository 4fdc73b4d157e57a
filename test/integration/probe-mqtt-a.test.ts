// The MQTT probe catalogue (part A: connect, credentials, QoS, retained, shared subscriptions)
// against real brokers, asserting the cells known from manual probing: Mosquitto 2.0.11 and the
// embedded aedes keep QoS 2 and retained messages, Mosquitto sends retained messages to new
// shared-subscription members; RabbitMQ 3.10's MQTT plugin answers QoS 2 with PUBACK, sends no
// retained message for a wildcard filter (an exact one works) and refuses MQTT 5; NATS 2.9's
// gateway closes the connection on a QoS 2 PUBLISH, takes '$share/…' as an ordinary filter and
// answers MQTT 5 with a 3.1.1 CONNACK; a Mosquitto with a password file refuses anonymous
// clients and wrong passwords. Three matrices run at once, each selecting its rows with `only`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeMatrix } from '../../src/probe/matrix.ts';
import type { Cell } from '../../src/probe/verdict.ts';
import { MOSQUITTO_URL, type PrivateMosquitto, passwordFile, startMosquitto } from '../helpers/brokers.ts';
import { type NatsMqtt, startNatsMqtt } from '../helpers/nats-mqtt.ts';
import { cellOf, probeMatrix, showCell } from '../helpers/probes.ts';

const RABBIT_MQTT = 'mqtt://127.0.0.1:1884';
const USER = 'fbprobe';
const PASSWORD = 'probe-secret';

let nats: NatsMqtt;
let secured: PrivateMosquitto;
let all: ProbeMatrix;
let others: ProbeMatrix;
let auth: ProbeMatrix;

beforeAll(async () => {
  [nats, secured] = await Promise.all([
    startNatsMqtt(),
    startMosquitto(
      { mqtt: 'listener {port} 127.0.0.1' },
      'allow_anonymous false\npassword_file {dir}/passwd\n',
      (dir) => passwordFile(dir, USER, PASSWORD),
    ),
  ]);
  const port = secured.ports.mqtt;
  [all, others, auth] = await Promise.all([
    probeMatrix({
      targets: [`mosquitto=${MOSQUITTO_URL}`, 'embedded:mqtt', `rabbit=${RABBIT_MQTT}`, `nats=${nats.url}`],
      only: ['mqtt/qos2@', 'mqtt/retained@3.1.1', 'mqtt/shared-retained@5.0', 'mqtt/user-properties@5.0'],
      parallel: 4,
    }),
    probeMatrix({
      targets: [`rabbit=${RABBIT_MQTT}`, `nats=${nats.url}`],
      only: ['mqtt/retained-exact@3.1.1', 'mqtt/shared@3.1.1'],
      parallel: 2,
    }),
    probeMatrix({
      targets: [`secured=mqtt://${USER}:${PASSWORD}@127.0.0.1:${port}`, `anonymous=mqtt://127.0.0.1:${port}`],
      only: ['mqtt/auth-required@3.1.1', 'mqtt/auth@3.1.1'],
      parallel: 2,
    }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([nats?.stop(), secured?.stop()]);
});

function expectCell(m: ProbeMatrix, row: string, target: string, status: Cell['status'], seen?: RegExp): void {
  const cell = cellOf(m, row, target);
  expect(cell.status, `${row} × ${target}: ${showCell(cell)}`).toBe(status);
  if (seen) expect(cell.seen, `${row} × ${target}`).toMatch(seen);
}

describe('MQTT probes, part A, against real brokers', () => {
  it('Mosquitto and aedes keep QoS 2 and retained messages; Mosquitto QoS 2 under MQTT 5 too', () => {
    for (const target of ['mosquitto', 'embedded-mqtt'])
      for (const row of ['mqtt/qos2@3.1.1', 'mqtt/retained@3.1.1']) expectCell(all, row, target, 'pass');
    expectCell(all, 'mqtt/qos2@5.0', 'mosquitto', 'pass');
    // [MQTT-3.3.2-17]: every delivery carried the publisher's User Properties unaltered.
    expectCell(all, 'mqtt/user-properties@5.0', 'mosquitto', 'pass', /user_property=site:plant-7\): rate == 1/);
    expectCell(all, 'mqtt/user-properties@5.0', 'embedded-mqtt', 'na', /3\.1\.1 CONNACK/);
  });

  it('Mosquitto sends retained messages to new shared-subscription members (MQTT 5 §4.8.2); aedes has no MQTT 5', () => {
    expectCell(all, 'mqtt/shared-retained@5.0', 'mosquitto', 'fail', /members\.retained_delivered: measured [1-9]/);
    expectCell(all, 'mqtt/shared-retained@5.0', 'embedded-mqtt', 'na', /3\.1\.1 CONNACK/);
  });

  it('RabbitMQ answers QoS 2 with PUBACK, keeps retained messages for exact filters only, and refuses MQTT 5', () => {
    expectCell(all, 'mqtt/qos2@3.1.1', 'rabbit', 'fail', /protocol_errors: .*PUBACK for QoS 2/);
    expectCell(all, 'mqtt/qos2@5.0', 'rabbit', 'na', /MQTT 5 refused: the broker closed the connection/);
    expectCell(all, 'mqtt/retained@3.1.1', 'rabbit', 'fail', /late\.retained_delivered: measured 0/);
    expectCell(others, 'mqtt/retained-exact@3.1.1', 'rabbit', 'pass');
  });

  it('NATS closes the connection on a QoS 2 PUBLISH and answers MQTT 5 with a 3.1.1 CONNACK', () => {
    expectCell(all, 'mqtt/qos2@3.1.1', 'nats', 'fail', /meters\.acked: measured 0.*outages: connections were lost/);
    expectCell(all, 'mqtt/qos2@5.0', 'nats', 'na', /3\.1\.1 CONNACK \(0x01\)/);
    expectCell(all, 'mqtt/retained@3.1.1', 'nats', 'pass');
  });

  it("RabbitMQ and NATS take '$share/…' from a 3.1.1 client as an ordinary filter: nothing reaches the group", () => {
    for (const target of ['rabbit', 'nats'])
      expectCell(others, 'mqtt/shared@3.1.1', target, 'fail', /workers\.loss: measured [1-9]/);
  });

  it('a broker with a password file refuses anonymous clients and wrong passwords, and takes the right one', () => {
    expectCell(auth, 'mqtt/auth-required@3.1.1', 'anonymous', 'pass', /not authorized \(return code 5\)/);
    expectCell(auth, 'mqtt/auth@3.1.1', 'secured', 'pass');
    // The same rows mean nothing against the other URL: said as such.
    expectCell(auth, 'mqtt/auth-required@3.1.1', 'secured', 'fail', /accepted/);
    expectCell(auth, 'mqtt/auth@3.1.1', 'anonymous', 'fail', /refused: .*not authorized/);
  });
});
