// The private Mosquitto brokers of `npm run bench -- engine`: each on a free loopback port, from
// a config in a temp folder, with $SYS counters every second, no connection limit, TCP_NODELAY,
// and as many file descriptors as the machine allows (65,536, or the hard limit when lower).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateBroker {
  port: number;
  url: string;
  pid: number;
  /** The broker's own open-files limit, as it runs (from /proc/<pid>/limits). */
  fileLimit: number | undefined;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** The config the engine bench runs Mosquitto with (mosquitto.conf(5)). */
export function mosquittoConfig(port: number): string {
  return [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'max_connections -1',
    'sys_interval 1',
    'set_tcp_nodelay true',
    '',
  ].join('\n');
}

async function portOpen(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

export async function startMosquitto(): Promise<PrivateBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'fb-engine-mosq-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, mosquittoConfig(port));
  // exec: the pid is Mosquitto's own. A container may refuse a soft limit above its hard one.
  const script = `ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec mosquitto -c '${conf}'`;
  const child: ChildProcess = spawn('bash', ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  // Up to 10 s for the listener; each try is bounded by the loop count.
  for (let i = 0; i < 100 && !(await portOpen(port)); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!(await portOpen(port))) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mosquitto did not start on port ${port}: ${stderr.trim()}`);
  }
  const pid = child.pid as number;
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    pid,
    fileLimit: fileLimitOf(pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await once(child, 'exit');
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function fileLimitOf(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.trim().split(/\s+/)[3];
    return soft === undefined ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** 'mosquitto version 2.0.11', from `mosquitto -h` (which exits non-zero). */
export function mosquittoVersion(): string {
  let text = '';
  try {
    text = execFileSync('mosquitto', ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    text = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  return /mosquitto version [\w.]+/.exec(text)?.[0] ?? 'mosquitto (version unknown)';
}
