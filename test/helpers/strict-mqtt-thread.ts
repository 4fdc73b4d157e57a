// The strict MQTT peer in a worker thread (strict-mqtt-worker.js), for tests whose own thread is
// busy (probe matrices run the runner of several scenarios at once): only its URL and close.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { StrictMqttOptions } from './strict-mqtt.ts';

export interface StrictMqttThread {
  url: string;
  close(): Promise<void>;
}

export async function startStrictMqttThread(options: Omit<StrictMqttOptions, 'onPublish'>): Promise<StrictMqttThread> {
  const worker = new Worker(new URL('./strict-mqtt-worker.js', import.meta.url), { workerData: options });
  const [url] = (await once(worker, 'message')) as [string];
  return {
    url,
    async close() {
      worker.postMessage('close');
      await once(worker, 'message');
      await worker.terminate();
    },
  };
}
