// Issue 15 item 8: a fresh worker's first connect read 260-500 ms against 9-11 ms on the wire,
// because the drivers' connect paths ran for the first time inside it. The runner's warm-up
// (src/runner/warm-up.ts) runs them first; then a worker's first measured connect is like its
// others. Measured in a fresh worker thread, against the machine's Mosquitto and RabbitMQ.
import { Worker } from 'node:worker_threads';
import { expect, it } from 'vitest';
import { writeScenario } from '../helpers/scenario.ts';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

it('after the warm-up, the first connect in a fresh worker is near the worker’s later connects', async () => {
  const scenario = writeScenario(
    'first-connect',
    `export default defineScenario({
      name: 'first-connect', duration: '1s',
      fleets: {
        m: { count: 1, protocol: mqtt({ qos: 1 }), topic: 'fbtest/first/{id}', send: every('1s'), payload: bytes(32) },
        a: { count: 1, protocol: amqp({ confirm: true }), topic: 'fbtest.first.{id}', send: every('1s'), payload: bytes(32) },
      },
    });`,
  );
  const worker = new Worker(new URL('../helpers/first-connect-worker.js', import.meta.url), {
    workerData: {
      scenario,
      targets: { mqtt: 'mqtt://127.0.0.1:1883', amqp: 'amqp://guest:guest@127.0.0.1:5672' },
      connects: 8,
      runId: `fc${process.pid}`,
    },
  });
  const times = await new Promise<Record<string, number[]>>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  for (const fleet of ['m', 'a']) {
    const [first, ...rest] = times[fleet] ?? [];
    if (first === undefined) throw new Error(`no connects for ${fleet}`);
    // The margin comes from the run's own figures: a few times the later connects' median plus
    // their spread. Without the warm-up the first connect took 0.3-0.7 s against a median of 3-15 ms.
    const m = median(rest);
    const spread = Math.max(...rest) - Math.min(...rest);
    expect(first, `${fleet}: first ${first} µs, later ${rest.join(', ')} µs`).toBeLessThan(4 * m + spread + 20_000);
  }
}, 30_000);
