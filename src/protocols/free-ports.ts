// Probing for a block of free ports on a host, for server devices whose port the run chooses
// (runner/ports.ts): each port is bound and released on the transport the devices will use.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** Below the usual ephemeral range (32768–60999 on Linux), so outgoing connections do not take them. */
const LOW = 20_000;
const HIGH = 32_000;
export const FREE_PORT_ATTEMPTS = 50;

/** A random base such that base…base+count-1 were all bindable just now and overlap no `taken` range. */
export async function findFreeBlock(
  host: string,
  transport: 'tcp' | 'udp',
  count: number,
  taken: readonly [number, number][],
): Promise<number | undefined> {
  if (count > HIGH - LOW) return undefined;
  for (let attempt = 0; attempt < FREE_PORT_ATTEMPTS; attempt++) {
    const base = LOW + Math.floor(Math.random() * (HIGH - LOW - count + 1));
    if (taken.some(([lo, hi]) => base <= hi && base + count - 1 >= lo)) continue;
    const closers: (() => Promise<void>)[] = [];
    let ok = true;
    for (let port = base; port < base + count && ok; port++) {
      const close = await bindable(host, port, transport);
      if (close) closers.push(close);
      else ok = false;
    }
    await Promise.all(closers.map((c) => c()));
    if (ok) return base;
  }
  return undefined;
}

/** Binds host:port; resolves with a closer when it could, undefined when the port is taken. */
function bindable(host: string, port: number, transport: 'tcp' | 'udp'): Promise<(() => Promise<void>) | undefined> {
  return new Promise((resolve) => {
    if (transport === 'udp') {
      const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      socket.once('error', () => {
        socket.close();
        resolve(undefined);
      });
      socket.bind(port, host, () => resolve(() => new Promise((done) => socket.close(() => done()))));
    } else {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, host, () => resolve(() => new Promise((done) => server.close(() => done()))));
    }
  });
}
