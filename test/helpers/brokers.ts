// Real brokers for integration tests: the machine's Mosquitto on 1883, and private Mosquitto
// processes with their own configuration (TLS, WebSockets, passwords) on free ports.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO_URL = 'mqtt://127.0.0.1:1883';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs}ms`);
}

export interface PrivateMosquitto {
  dir: string;
  ports: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Starts `mosquitto -c <conf>` with the listeners given; each listener's `{port}` placeholder is
 * replaced by a free port, `{dir}` by its private directory, which `prepare` may fill first
 * (certificates, password files). Returns once every port accepts connections.
 */
export async function startMosquitto(
  listeners: Record<string, string>,
  extra = '',
  prepare?: (dir: string) => void,
): Promise<PrivateMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'fb-mosq-'));
  // Started as root, mosquitto drops to its own user: it must be able to read what is here.
  chmodSync(dir, 0o755);
  prepare?.(dir);
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
  const ports: Record<string, number> = {};
  let conf = 'per_listener_settings false\npersistence false\n';
  for (const [name, block] of Object.entries(listeners)) {
    ports[name] = await freePort();
    conf += `${block.replaceAll('{port}', String(ports[name])).replaceAll('{dir}', dir)}\n`;
  }
  conf += extra.replaceAll('{dir}', dir);
  writeFileSync(join(dir, 'mosquitto.conf'), conf);
  const child: ChildProcess = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    for (const port of Object.values(ports)) await waitForPort(port);
  } catch (err) {
    child.kill();
    throw new Error(`mosquitto did not start: ${stderr}\n${conf}`, { cause: err });
  }
  return {
    dir,
    ports,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A self-signed certificate for 127.0.0.1 (openssl), written into `dir`. */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

/** A Mosquitto password file with one user. */
export function passwordFile(dir: string, user: string, password: string): string {
  const file = join(dir, 'passwd');
  writeFileSync(file, '');
  execFileSync('mosquitto_passwd', ['-b', file, user, password], { stdio: 'ignore' });
  return file;
}
