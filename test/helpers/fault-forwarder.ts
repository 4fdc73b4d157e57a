// A TCP forwarder between devices and a real server that can break the connections on demand:
// reset every one of them (an RST to the device, as a crashing proxy or a NAT timeout does), or
// blackhole them (nothing forwarded either way, sockets held open, as a network partition does),
// so reconnect tests see real socket failures from a real peer, not mocks.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface FaultForwarder {
  port: number;
  /** `scheme://[userinfo@]127.0.0.1:port`. */
  url(scheme: string, userinfo?: string): string;
  /** Connections accepted so far, and those still open. */
  readonly accepted: number;
  readonly open: number;
  /** Resets every open connection: an RST to the device, the server's side destroyed. */
  resetAll(): void;
  /** Forwards device → server only: the server's answers (confirms, acks, responses) are dropped. */
  oneWay(): void;
  /** Stops forwarding: bytes are dropped both ways, nothing is closed; new connections are accepted and held. */
  blackhole(): void;
  /** Ends the blackhole: the held connections are destroyed (they are dead by now), new ones are forwarded. */
  heal(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
}

/** A forwarder from 127.0.0.1:<ephemeral> to 127.0.0.1:`port`. */
export async function faultForwarder(port: number): Promise<FaultForwarder> {
  const pairs = new Set<Pair>();
  let accepted = 0;
  let holed = false;
  let muted = false;
  const server: Server = createServer((client) => {
    accepted++;
    const pair: Pair = { client, upstream: undefined };
    pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pairs.delete(pair);
      pair.upstream?.destroy();
    });
    // A connection made during a blackhole never reaches the server.
    if (holed) return;
    const upstream = connect({ port, host: '127.0.0.1' });
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    upstream.on('error', () => undefined);
    client.on('data', (d: Buffer) => {
      if (!holed) upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (!holed && !muted) client.write(d);
    });
    // A partition hides the server's goodbye too: only forwarded while healthy.
    client.on('end', () => {
      if (!holed) upstream.end();
    });
    upstream.on('end', () => {
      if (!holed) client.end();
    });
    upstream.on('close', () => {
      if (!holed) client.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const listening = (server.address() as { port: number }).port;
  return {
    port: listening,
    url: (scheme, userinfo) => `${scheme}://${userinfo ? `${userinfo}@` : ''}127.0.0.1:${listening}`,
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    resetAll() {
      muted = false;
      for (const { client, upstream } of [...pairs]) {
        client.resetAndDestroy();
        upstream?.destroy();
      }
    },
    oneWay() {
      muted = true;
    },
    blackhole() {
      holed = true;
    },
    heal() {
      holed = false;
      for (const { client, upstream } of [...pairs]) {
        client.destroy();
        upstream?.destroy();
      }
    },
    close: async () => {
      for (const { client, upstream } of [...pairs]) {
        client.destroy();
        upstream?.destroy();
      }
      server.close();
    },
  };
}
