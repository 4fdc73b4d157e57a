// The strict MQTT peer (strict-mqtt.ts) in a worker thread of its own (strict-mqtt-thread.ts):
// its answers then do not wait for the test's thread, which runs the runner of several probe
// runs at once. Options come in workerData (serialisable: connack, ackDelayMs); the URL goes back
// in the first message, and any message back closes the peer.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { startStrictMqtt } = await import('./strict-mqtt.ts');
const peer = await startStrictMqtt(workerData);
parentPort.postMessage(peer.url);
parentPort.once('message', async () => {
  await peer.close();
  parentPort.postMessage('closed');
});
