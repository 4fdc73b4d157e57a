// An HTTP/1.1 server (node:http) that takes every POST/PUT body as a received message: the
// embedded server's sink and each webhook receiver device use it. Bytes are counted per
// connection from the socket's own counters (what the kernel was given and handed over).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { nowUs } from '../../metrics/clock.ts';
import type { SinkEvents } from '../driver.ts';
import { HTTP_CODES } from './codes.ts';

const C = HTTP_CODES.keys;

/** Idle persistent connections are kept this long; node's 5 s default would make slow senders reconnect. */
const KEEP_ALIVE_TIMEOUT_MS = 120_000;

export class HttpListener {
  private readonly server: Server;
  private readonly live = new Set<Socket>();
  private readonly done = { sent: 0, received: 0 };

  constructor(
    /** The status for an accepted POST/PUT at `path`. */
    private readonly statusFor: (method: string, path: string) => number,
    private readonly events: SinkEvents,
  ) {
    this.server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, noDelay: true }, (req, res) =>
      this.request(req, res),
    );
    this.server.on('connection', (socket: Socket) => {
      this.live.add(socket);
      this.events.onCode(C.tcp.accept);
      socket.once('close', () => {
        this.live.delete(socket);
        this.done.sent += socket.bytesWritten ?? 0;
        this.done.received += socket.bytesRead;
      });
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      // A peer that resets an idle connection is not an error of ours; anything else is a malformed request.
      if (err.code === 'ECONNRESET') return;
      this.events.onCode(C.http.bad_request);
      this.events.onError('http.bad_request', err.message);
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  get bytes(): { sent: number; received: number } {
    let { sent, received } = this.done;
    for (const s of this.live) {
      sent += s.bytesWritten ?? 0;
      received += s.bytesRead;
    }
    return { sent, received };
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as { port: number }).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private request(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? '';
    this.events.onCode(C.request.of(method));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (err) => this.events.onError('http.request_aborted', err.message));
    req.on('end', () => {
      const receivedUs = nowUs();
      let status: number;
      if (method === 'POST' || method === 'PUT') {
        const path = pathOf(req.url ?? '/');
        this.events.onMessage({ topic: path, payload: Buffer.concat(chunks), receivedUs, retained: false });
        status = this.statusFor(method, path);
      } else {
        // RFC 9110 §15.5.6: 405 names the methods that are allowed; OPTIONS (§9.3.7) asks for them.
        status = method === 'OPTIONS' ? 204 : 405;
        res.setHeader('Allow', 'POST, PUT, OPTIONS');
      }
      // §8.6: 204 and 304 carry no Content-Length; any other status sends an empty body.
      if (status !== 204 && status !== 304) res.setHeader('Content-Length', '0');
      res.writeHead(status).end();
      this.events.onCode(C.response.of(status));
    });
  }
}

function pathOf(target: string): string {
  const path = target.split('?')[0] ?? '/';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
