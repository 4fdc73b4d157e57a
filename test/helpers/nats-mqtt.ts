// A private NATS server with its MQTT gateway (MQTT 3.1.1 only, on JetStream), started by the
// test on free ports with its own configuration file and store directory, and stopped after.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './brokers.ts';

export const NATS_SERVER = '/usr/sbin/nats-server';

export interface NatsMqtt {
  /** mqtt://127.0.0.1:<port> of the MQTT listener. */
  url: string;
  /** The NATS client port. */
  natsPort: number;
  stop(): Promise<void>;
}

export async function startNatsMqtt(): Promise<NatsMqtt> {
  const dir = mkdtempSync(join(tmpdir(), 'fb-nats-'));
  const natsPort = await freePort();
  const mqttPort = await freePort();
  // The MQTT gateway needs a server name and JetStream (it keeps sessions and QoS 1 messages in streams).
  const conf = [
    `server_name: fb_nats_${process.pid}_${mqttPort}`,
    `host: 127.0.0.1`,
    `port: ${natsPort}`,
    `jetstream { store_dir: "${join(dir, 'js')}" }`,
    `mqtt { host: 127.0.0.1, port: ${mqttPort} }`,
  ].join('\n');
  writeFileSync(join(dir, 'nats.conf'), `${conf}\n`);
  const child: ChildProcess = spawn(NATS_SERVER, ['-c', join(dir, 'nats.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }).then(() => rmSync(dir, { recursive: true, force: true }));
  try {
    await waitForPort(mqttPort);
  } catch (err) {
    await stop();
    throw new Error(`nats-server did not start: ${stderr}\n${conf}`, { cause: err });
  }
  return { url: `mqtt://127.0.0.1:${mqttPort}`, natsPort, stop };
}
