// A fresh worker thread for the first-connect test (test/integration/first-connect.test.ts):
// registers tsx as the runner's worker-entry.js does, then runs first-connect.ts with the
// thread's workerData and posts what it measured.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { measureConnects } = await import('./first-connect.ts');
parentPort.postMessage(await measureConnects(workerData));
