// What an AMQP device settles in connection.tune (AMQP 0-9-1 §1.4.2.5, §4.2.7) with the machine's
// RabbitMQ, read from the broker's side (rabbitmqctl list_connections): the device's `heartbeat`
// below the broker's proposal (60 s by default) is the one used, `heartbeat: 0` turns heartbeats
// off although the broker proposes them, amqplib's frame_max of 131072 is asked for, and a
// `heartbeat` or `frameMax` in the target URL's query replaces the device's (docs/amqp.md, "What
// the driver honours from the broker").
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { AmqpDevice } from '../../src/protocols/amqp/device.ts';
import { type AmqpOptions, resolveAmqpOptions } from '../../src/protocols/amqp/options.ts';
import { recorder } from '../helpers/recorder.ts';
import { waitFor } from '../helpers/wait.ts';

const RABBITMQ = 'amqp://guest:guest@127.0.0.1:5672';
const tag = randomBytes(4).toString('hex');
const devices: AmqpDevice[] = [];

afterAll(() => {
  for (const d of devices) d.kill();
});

function device(clientId: string, options: AmqpOptions, url = RABBITMQ): AmqpDevice {
  const check = new Checker();
  const resolved = resolveAmqpOptions(options, 'test', check);
  if (!resolved) throw new Error(check.problems.join('\n'));
  const d = new AmqpDevice({ url, index: 0, clientId, options: resolved, connectTimeoutMs: 5000 }, recorder().events);
  devices.push(d);
  return d;
}

function rabbitmqctl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('rabbitmqctl', ['-q', ...args], { timeout: 30_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

it('negotiates the heartbeat and frame_max the docs say, as the broker sees them', async () => {
  const names = { short: `fb-${tag}-hb7`, off: `fb-${tag}-hb0`, url: `fb-${tag}-url` };
  await device(names.short, { heartbeat: '7s' }).connect();
  await device(names.off, { heartbeat: 0 }).connect();
  await device(names.url, { heartbeat: '7s' }, `${RABBITMQ}?heartbeat=5&frameMax=8192`).connect();
  // One line per connection: client properties (with connection_name), timeout (the heartbeat), frame_max.
  const tuned = await waitFor(
    async () => {
      const lines = (
        await rabbitmqctl(['list_connections', '--no-table-headers', 'client_properties', 'timeout', 'frame_max'])
      ).split('\n');
      const of = (name: string): [number, number] | undefined => {
        const cols = lines.find((l) => l.includes(`"${name}"`))?.split('\t');
        return cols ? [Number(cols[1]), Number(cols[2])] : undefined;
      };
      const all = { short: of(names.short), off: of(names.off), url: of(names.url) };
      return all.short && all.off && all.url ? all : undefined;
    },
    { what: "the devices' connections in rabbitmqctl list_connections" },
  );
  expect(tuned).toEqual({ short: [7, 131072], off: [0, 131072], url: [5, 8192] });
  for (const d of devices) await d.close();
});
