// The MQTT driver against the driver conformance suite, on both real brokers. The semantic
// checks run against private Mosquitto processes (a password file; an ACL) and the strict peer
// (a DISCONNECT 0x8E, which Mosquitto does not send); aedes has no MQTT 5, so it takes only the refusal.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedMqtt } from '../../src/protocols/mqtt/embedded.ts';
import { mqttDriver } from '../../src/protocols/mqtt/index.ts';
import { MOSQUITTO_URL, passwordFile, startMosquitto } from '../helpers/brokers.ts';
import { uniq } from '../helpers/devices.ts';
import { startStrictMqtt } from '../helpers/strict-mqtt.ts';
import { type DriverSpec, describeDriver } from './describe-driver.ts';

const spec: DriverSpec = {
  ackedOptions: { qos: 1 },
  address: () => {
    const topic = `fbtest/conformance/${uniq()}`;
    return { send: topic, subscribe: topic };
  },
  refusedUrl: (port) => `mqtt://127.0.0.1:${port}`,
  refusal: {
    // A wrong password: CONNACK return code 4 or 5 in 3.1.1 (§3.2.2.3), reason code 0x86 or 0x87
    // in 5.0 (§3.2.2.2); Mosquitto sends 5 / 0x87 when the password file has the user.
    start: async () => {
      const mosq = await startMosquitto(
        { main: 'listener {port} 127.0.0.1' },
        'allow_anonymous false\npassword_file {dir}/passwd\n',
        (dir) => passwordFile(dir, 'device', 'right-password'),
      );
      return {
        url: `mqtt://127.0.0.1:${mosq.ports.main}`,
        options: { qos: 1, username: 'device', password: 'wrong' },
        reasonCodes: [4, 5, 0x86, 0x87],
        name: /bad user name or password|not authori[sz]ed/i,
        close: () => mosq.stop(),
      };
    },
  },
};

/** Mosquitto speaks MQTT 5: its refusals in PUBACK and its DISCONNECT reason codes can be checked too. */
const mosquittoSpec: DriverSpec = {
  ...spec,
  errorResponse: {
    // An ACL that lets the user only read: Mosquitto 2.0 answers a QoS 1 PUBLISH from a 5.0
    // client with PUBACK 0x87 Not authorized (§3.4.2.1), a refusal, not an ack.
    start: async () => {
      const mosq = await startMosquitto(
        { main: 'listener {port} 127.0.0.1' },
        'allow_anonymous true\nacl_file {dir}/acl\n',
        (dir) => writeFileSync(join(dir, 'acl'), 'user device\ntopic read fbtest/#\n'),
      );
      return {
        url: `mqtt://127.0.0.1:${mosq.ports.main}`,
        options: { version: 5, qos: 1, username: 'device' },
        send: `fbtest/conformance/${uniq()}`,
        error: /^mqtt\.publish_135$/,
        close: () => mosq.stop(),
      };
    },
  },
  disconnectReason: {
    // A broker taking a session over sends the first connection DISCONNECT 0x8E Session taken
    // over [MQTT-3.1.4-3] (§3.14.2.1). Mosquitto 2.0 only closes the socket, so the strict peer
    // (test/helpers/strict-mqtt.ts) sends it, as a broker that follows the spec does.
    start: async () => {
      const strict = await startStrictMqtt();
      return {
        url: strict.url,
        options: { version: 5, qos: 1 },
        cause: 'server_disconnect',
        key: /^mqtt\.disconnect_0x8e$/i,
        kick: async () => strict.connections.at(-1)?.disconnect(0x8e),
        close: () => strict.close(),
      };
    },
  },
};

describeDriver(
  'aedes (embedded)',
  mqttDriver,
  async () => {
    const server = await startEmbeddedMqtt();
    return { url: server.urls.default!, close: () => server.close() };
  },
  spec,
);

describeDriver(
  'mosquitto',
  mqttDriver,
  async () => ({ url: MOSQUITTO_URL, close: async () => undefined }),
  mosquittoSpec,
);
