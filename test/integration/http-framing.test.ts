// Response framing (RFC 9112 §6.3) against a raw TCP server that writes hand-made responses a
// few bytes at a time: Content-Length, chunked with extensions and trailers, an interim 100
// before the final response, and a close-delimited HTTP/1.0 body. Every response must be
// matched to its request, counted by status and byte-exact.
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import type { DeviceEvents, OutgoingMessage } from '../../src/protocols/driver.ts';
import { HttpDevice } from '../../src/protocols/http/device.ts';
import { resolveHttpOptions } from '../../src/protocols/http/options.ts';
import { eventually } from '../helpers/devices.ts';

const RESPONSES = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: y\r\n\r\n',
  // No Content-Length, no chunking: the body ends when the server closes (§6.3 rule 8).
  'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nthe body runs until the close',
  'HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n',
  'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\noops',
];

/** Answers each complete request with the next response, in 3-byte writes; closes after a close-delimited or Connection: close one. */
async function scriptedServer(): Promise<{ port: number; requests: string[]; close(): void }> {
  const queue = [...RESPONSES];
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    let buffer = Buffer.alloc(0);
    socket.on('data', async (d: Buffer) => {
      buffer = Buffer.concat([buffer, d]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buffer.toString('latin1', 0, end))?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        requests.push(buffer.toString('latin1', 0, end + 4 + length));
        buffer = buffer.subarray(end + 4 + length);
        const response = queue.shift() ?? 'HTTP/1.1 599 Unexpected\r\nContent-Length: 0\r\n\r\n';
        for (let i = 0; i < response.length; i += 3) {
          socket.write(response.slice(i, i + 3), 'latin1');
          await new Promise((r) => setImmediate(r));
        }
        if (response.startsWith('HTTP/1.0') || response.includes('Connection: close')) socket.end();
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    requests,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('HTTP response framing', () => {
  it('Content-Length, chunked with trailers, interim 100, close-delimited: each matched, counted by status, bytes exact', async () => {
    const server = await scriptedServer();
    const acks: OutgoingMessage[] = [];
    const codes: string[] = [];
    const errors: string[] = [];
    const events: DeviceEvents = {
      onMessage() {},
      onAck: (m) => acks.push(m),
      onCode: (code) => codes.push(code),
      onError: (k) => errors.push(k),
      onDisconnect() {},
      onInDoubt() {},
      onResend() {},
      onLatency() {},
    };
    const d = new HttpDevice(
      {
        url: `http://127.0.0.1:${server.port}`,
        index: 0,
        clientId: 'framing',
        options: resolveHttpOptions({}, 'test', new Checker())!,
        connectTimeoutMs: 2000,
      },
      events,
    );
    try {
      await d.connect();
      for (let seq = 0; seq < RESPONSES.length; seq++) {
        expect(
          d.send({
            topic: `/f/${seq}`,
            payload: Buffer.from(`body-${seq}`),
            stamp: { stream: 1, seq, intendedUs: 0, sentUs: 0 },
          }),
        ).toBe('sent');
        await eventually(() => codes.filter((c) => c.startsWith('response|')).length === seq + 1);
      }
      expect(codes.filter((c) => c.startsWith('response|'))).toEqual([
        'response|200',
        'response|201',
        'response|200',
        'response|202',
        'response|500',
      ]);
      expect(acks.map((m) => m.stamp.seq)).toEqual([0, 1, 2, 3]);
      expect(errors).toEqual(['http.status_500']);
      // The close-delimited body ended the first connection; the next request opened a second.
      expect(codes.filter((c) => c === 'tcp|connect')).toHaveLength(2);
      expect(d.bytes.received).toBe(RESPONSES.reduce((n, r) => n + Buffer.byteLength(r, 'latin1'), 0));
      expect(d.bytes.sent).toBe(server.requests.reduce((n, r) => n + Buffer.byteLength(r, 'latin1'), 0));
      expect(server.requests[0]).toBe(
        `POST /f/0 HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/octet-stream\r\nContent-Length: 6\r\n\r\nbody-0`,
      );
    } finally {
      await d.close();
      server.close();
    }
  });
});
