// Free ports for server devices whose scenario left the port open (Driver.freePorts): a block
// of `count` consecutive ports, each bindable right now on the host and transport the group
// uses, chosen from a random base so that runs started side by side do not probe the same
// block. The probe sockets close before the workers bind, so another program could take a port
// in between; that shows as a counted connect error, never as silent cross-talk.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import type { Plan } from '../dsl/plan.ts';
import { driverFor } from '../protocols/registry.ts';

/** Below the usual ephemeral range (32768–60999 on Linux), so outgoing connections do not take them. */
const LOW = 20_000;
const HIGH = 32_000;
const ATTEMPTS = 50;

/** Per group whose driver asks for free ports: the base port chosen. */
export async function choosePorts(plan: Plan): Promise<Record<string, number>> {
  const chosen: Record<string, number> = {};
  const taken: [number, number][] = [];
  for (const g of plan.groups) {
    const driver = driverFor(g.protocol);
    const want = driver?.freePorts?.(g.options);
    if (!driver || !want) continue;
    const base = await freeBlock(want.host, driver.transport, g.count, taken);
    if (base === undefined)
      throw new FleetbenchError(
        ErrorCodes.TARGET_INVALID,
        `${g.name}: found no ${g.count} free consecutive ${driver.transport} ports on ${want.host} in ${ATTEMPTS} tries; give the fleet's serve port explicitly`,
      );
    chosen[g.name] = base;
    taken.push([base, base + g.count - 1]);
  }
  return chosen;
}

async function freeBlock(
  host: string,
  transport: 'tcp' | 'udp',
  count: number,
  taken: readonly [number, number][],
): Promise<number | undefined> {
  if (count > HIGH - LOW) return undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
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
