// The gateway's admin HTTP server: GET /stats answers the stats snapshot as JSON, so a load
// test can read the bridge's own counts next to its results.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayStats } from './stats.ts';

export class AdminServer {
  private readonly server: Server;
  private closing: Promise<void> | undefined;

  constructor(stats: () => GatewayStats) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET /stats\n');
        return;
      }
      if (path === '/stats') {
        res
          .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
          .end(`${JSON.stringify(stats(), null, 2)}\n`);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /stats\n');
    });
    // Keep-alive sockets of a polling client must not hold close() up.
    this.server.keepAliveTimeout = 1000;
  }

  async listen(port: number, host: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const a = this.server.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }
}
