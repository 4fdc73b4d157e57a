// Warming a worker before its first measured connect. A fresh worker thread has loaded its
// modules but never run a driver's connect path: the client library's lazily loaded parts, the
// TLS context (root certificates) for secure schemes, and the code itself run for the first
// time in the first device's connect, which then measured 260-500 ms against 9-11 ms on the
// wire. So each driver the worker will use connects once, untimed, to a listener of the
// worker's own on loopback that hangs up at once; nothing reaches the target.
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import type { GroupPlan } from '../dsl/plan.ts';
import { type Driver, IGNORE_EVENTS } from '../protocols/driver.ts';
import { driverFor } from '../protocols/registry.ts';

/** Each throwaway connect gives up after this long (a silent datagram peer never answers). */
const CONNECT_BOUND_MS = 300;

/**
 * One throwaway connect per (protocol, scheme) of `groups` whose devices connect out (servers
 * listen instead and are skipped), all at once; never throws.
 */
export async function warmUp(groups: readonly GroupPlan[], targets: Record<string, string>): Promise<void> {
  const seen = new Set<string>();
  const tries: Promise<void>[] = [];
  for (const group of groups) {
    const driver = driverFor(group.protocol);
    const target = targets[group.target];
    if (!driver || target === undefined || driver.isServer?.(group.options)) continue;
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      continue;
    }
    const key = `${group.protocol} ${url.protocol}`;
    if (seen.has(key)) continue;
    seen.add(key);
    tries.push(warmOne(driver, group, url).catch(() => undefined));
  }
  await Promise.all(tries);
}

async function warmOne(driver: Driver<unknown, unknown, unknown>, group: GroupPlan, url: URL): Promise<void> {
  const peer = await hangUpPeer(driver.transport);
  try {
    url.hostname = '127.0.0.1';
    url.port = String(peer.port);
    const device = driver.createDevice(
      {
        url: url.toString(),
        fleet: group.name,
        index: 0,
        clientId: `fleetbench-warm-up-${process.pid}`,
        options: group.options,
        connectTimeoutMs: CONNECT_BOUND_MS,
        probe: true,
      },
      IGNORE_EVENTS,
    );
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([
      device.connect().catch(() => undefined),
      new Promise((resolve) => (bound = setTimeout(resolve, CONNECT_BOUND_MS * 2))),
    ]);
    clearTimeout(bound);
    device.kill();
  } finally {
    await peer.close();
  }
}

/** A loopback listener that closes every TCP connection at once, or a datagram socket that answers nothing. */
async function hangUpPeer(transport: Driver['transport']): Promise<{ port: number; close(): Promise<void> }> {
  if (transport === 'tcp') {
    const server: Server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as { port: number }).port,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
