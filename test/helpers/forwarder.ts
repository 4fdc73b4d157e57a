// A TCP forwarder that counts the bytes and connections it relays, independently of
// fleetbench: what a device says it wrote must equal what crossed the forwarder.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Forwarder {
  /** http://127.0.0.1:port (swap the scheme for other protocols). */
  url: string;
  port: number;
  /** Bytes client → server and server → client, and connections accepted. */
  counts: { up: number; down: number; connections: number };
  close(): Promise<void>;
}

/** A TCP forwarder to 127.0.0.1:`port` that counts every byte it relays, independently of fleetbench. */
export async function countingForwarder(port: number): Promise<Forwarder> {
  const counts = { up: 0, down: 0, connections: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    counts.connections++;
    const upstream = connect({ port, host: '127.0.0.1' });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d: Buffer) => (counts.up += d.length));
    upstream.on('data', (d: Buffer) => (counts.down += d.length));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const listening = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${listening}`,
    port: listening,
    counts,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
