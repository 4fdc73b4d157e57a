// A private Mosquitto that a test can freeze, kill with SIGKILL and start again on the same
// port from its persistence file, to test what devices keep across a broker crash.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, portOpen, waitForPort } from './brokers.ts';
import { waitFor } from './wait.ts';

export interface RestartableMosquitto {
  port: number;
  url: string;
  /** Starts the broker (again), from its persistence file when there is one. */
  start(): Promise<void>;
  /** SIGSTOP: the broker holds its connections open and answers nothing. */
  freeze(): void;
  /** SIGKILL: no goodbye, no final save of the persistence file. */
  crash(): Promise<void>;
  /** Deletes the persistence file: the next start knows no sessions. */
  forget(): void;
  stop(): Promise<void>;
}

export async function restartableMosquitto(): Promise<RestartableMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'fb-mosq-persist-'));
  // Started as root, mosquitto drops to its own user, which must write the persistence file here.
  chmodSync(dir, 0o777);
  const port = await freePort();
  // autosave_on_changes with an interval of 1: the database is written after every change
  // (a session's subscription, a queued message), so a SIGKILL loses nothing a test relies on.
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [
      'per_listener_settings false',
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_on_changes true',
      'autosave_interval 1',
      // $SYS counters every second, so a test reads the broker's view soon after a change.
      'sys_interval 1',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const exited = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  };
  const broker: RestartableMosquitto = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async start() {
      let stderr = '';
      child = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      try {
        await waitForPort(port);
      } catch (err) {
        child.kill('SIGKILL');
        throw new Error(`mosquitto did not start: ${stderr}`, { cause: err });
      }
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    async crash() {
      child?.kill('SIGKILL');
      await exited();
      // The port is free again once the kernel has closed the listener.
      await waitFor(async () => !(await portOpen(port)), { what: `port ${port} closed` });
    },
    forget() {
      const db = join(dir, 'mosquitto.db');
      if (existsSync(db)) rmSync(db);
    },
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        await exited();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}
