// The WebSocket bridge driver against the driver conformance suite, on the embedded hub: the
// receiver subscribes with an MQTT filter, the sender publishes and gets 'published'.

import { startEmbeddedWs } from '../../src/protocols/ws/embedded.ts';
import { wsDriver } from '../../src/protocols/ws/index.ts';
import { uniq } from '../helpers/devices.ts';
import { type DriverSpec, describeDriver } from './describe-driver.ts';

const spec: DriverSpec = {
  ackedOptions: {},
  address: () => {
    const id = uniq();
    return { send: `fbtest/conformance/${id}/gps`, subscribe: `fbtest/conformance/${id}/+` };
  },
  refusedUrl: (port) => `ws://127.0.0.1:${port}`,
};

describeDriver(
  'the embedded hub',
  wsDriver,
  async () => {
    const server = await startEmbeddedWs();
    return { url: server.urls.default!, close: () => server.close() };
  },
  spec,
);
