// The MQTT driver against the driver conformance suite, on both real brokers.

import { startEmbeddedMqtt } from '../../src/protocols/mqtt/embedded.ts';
import { mqttDriver } from '../../src/protocols/mqtt/index.ts';
import { MOSQUITTO_URL } from '../helpers/brokers.ts';
import { uniq } from '../helpers/devices.ts';
import { type DriverSpec, describeDriver } from './describe-driver.ts';

const spec: DriverSpec = {
  ackedOptions: { qos: 1 },
  address: () => {
    const topic = `fbtest/conformance/${uniq()}`;
    return { send: topic, subscribe: topic };
  },
  refusedUrl: (port) => `mqtt://127.0.0.1:${port}`,
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

describeDriver('mosquitto', mqttDriver, async () => ({ url: MOSQUITTO_URL, close: async () => undefined }), spec);
