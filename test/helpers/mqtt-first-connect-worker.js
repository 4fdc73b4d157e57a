// A fresh worker thread's first MQTT connect, timed two ways: by the device (its connect
// latency) and around the socket (from net.createConnection, where MQTT.js opens it, to the
// connect promise resolving). The device's figure must fit inside the socket's: time spent
// before the socket exists (building the client) is the generator's, not the broker's.
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { nowUs } = await import('../../src/metrics/clock.ts');
const { Checker } = await import('../../src/base/check.ts');
const { MqttDevice } = await import('../../src/protocols/mqtt/device.ts');
const { resolveMqttOptions } = await import('../../src/protocols/mqtt/options.ts');

let socketUs = 0;
const createConnection = net.createConnection;
net.createConnection = (...args) => {
  socketUs = nowUs();
  return createConnection(...args);
};
const options = resolveMqttOptions({ qos: 1 }, 'test', new Checker());
const noop = () => undefined;
const events = {
  onMessage: noop,
  onAck: noop,
  onCode: noop,
  onError: noop,
  onDisconnect: noop,
  onInDoubt: noop,
  onResend: noop,
  onLatency: noop,
};
const device = new MqttDevice(
  { url: workerData.url, index: 0, clientId: workerData.clientId, options, connectTimeoutMs: 20_000 },
  events,
);
const latencyUs = await device.connect();
const socketToConnackUs = nowUs() - socketUs;
await device.close();
parentPort.postMessage({ latencyUs, socketToConnackUs });
