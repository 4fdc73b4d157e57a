// Real CoAP peers for tests: libcoap's example server (coap-server-notls) on a free UDP port, its
// command-line client (coap-client-notls), and a lossy UDP forwarder that sits between a client
// and a server, drops chosen datagrams and logs every datagram with its time.
//
// What the libcoap 4.3.1 example server offers (Debian libcoap3-bin, started as
// `coap-server-notls -A 127.0.0.1 -p <port> -v 3`; observed with coap-client-notls -v 7):
//
//   GET /.well-known/core -> 2.05, Content-Format 40 (link-format):
//     </>;title="General Info";ct=0,</time>;if="clock";rt="ticks";title="Internal Clock";ct=0;obs,
//     </async>;ct=0,</example_data>;title="Example Data";ct=0;obs
//   /              GET 2.05 (Max-Age 196607), text "This is a test server made with libcoap ...".
//                  PUT/POST/DELETE 4.05 "Method Not Allowed".
//   /time          GET 2.05 (Max-Age 1), the server's clock as text, e.g. "Nov 23 15:02:09".
//                  Observable: with Observe:0 the first answer is a piggybacked ACK 2.05 with
//                  Observe, then one notification per second as a CON 2.05 (NON with server -N,
//                  every fifth still CON). PUT 2.04 (sets the clock; 2.01 after a DELETE).
//                  DELETE answers an *empty ACK* (code 0.00, no response code) and "deletes" the
//                  clock: GET /time is 4.04 from then on, until a PUT brings it back.
//   /async         GET answers an empty ACK at once, then a separate CON 2.05 "done" after a delay:
//                  `/async?N` waits N seconds, plain `/async` 4 s; `/async?0` is 4.00 (piggybacked).
//                  Not observable. PUT/POST/DELETE 4.05.
//   /example_data  GET 2.05 with ETag; initially 1500 bytes ("a123456789b123456789..."), so a
//                  plain GET already comes back in Block2 pieces of 1024 (Block2 0/M/1024 with
//                  Size2 1500, then 1/_/1024). A client asking for smaller blocks (`-b 64`, i.e.
//                  Block2 0/_/64) gets 64-byte blocks, each 2.05 with ETag and Size2.
//                  PUT 2.01 the first time after start, then 2.04, replaces the body (any size: a 3000-byte PUT goes as Block1 blocks, each
//                  intermediate one answered 2.31 Continue, the last 2.04; a later GET -b 64 returns
//                  all 3000 bytes in 47 blocks, Size2 3000). Observable: a PUT triggers a CON 2.05
//                  notification carrying the new body (Block2 0/... when the observer asked for
//                  blocks). POST, DELETE and FETCH 4.05 "Method Not Allowed".
//   /.well-known/core also takes a filter (`?rt=ticks` lists only /time); PUT/POST/DELETE 4.05.
//   any other path GET/PUT/POST 4.04 "Not Found": by default the server does NOT create resources
//                  (DELETE of a path that does not exist is 2.02 "Deleted", libcoap's own answer).
//                  Started with `-d <max>` it does: PUT to a new path 2.01 Created (listed in
//                  .well-known/core as `ct=0;title="Dynamic";obs`, observable), PUT again 2.04,
//                  POST to a new path 2.01 with Location-Path, GET 2.05 (Block2 as above, e.g. a
//                  3000-byte body in 64-byte blocks), DELETE 2.02, afterwards 4.04; the PUT that
//                  would create resource number <max>+1 gets 4.06.
//   All answers to CON requests are piggybacked in the ACK except /async's (and DELETE /time's
//   empty ACK). The server ignores Uri-Port, so requests sent through startLossyForwarder (which
//   coap-client-notls tags with the forwarder's port) are answered the same.
//   Block-wise transfer is done by libcoap itself (server default -L 1, COAP_BLOCK_USE_LIBCOAP)
//   for every resource, so Block1 and Block2 work on /example_data and dynamic resources alike.
//
// Flags used here: server `-A 127.0.0.1 -p <port> -v 3` (-p also opens a TCP listener on the same
// port; if that one is taken the server logs "cannot create TCP endpoint" and carries on with UDP;
// if the UDP port is taken it exits with 255). The server logs LOG_CRIT and worse to stderr and the
// rest to stdout: output() gives both, interleaved as they arrived.
// Client: `-m <method>`, `-B <seconds>` to bound the wait, `-b <size>` block size, `-f <file>` or
// `-e <text>` for a payload, `-s <seconds>` to observe, `-N` for NON, `-v 7` to log every PDU.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { findFreeBlock } from '../../src/protocols/free-ports.ts';

export const LIBCOAP_SERVER = 'coap-server-notls';
export const LIBCOAP_CLIENT = 'coap-client-notls';

/**
 * A UDP port on 127.0.0.1 that was free a moment ago (brokers.ts' freePort only knows TCP), from
 * below the kernel's ephemeral range like the run's own choice (src/protocols/free-ports.ts): a
 * port the kernel handed out and took back can be handed to any client socket of a neighbouring
 * test (or of the run's warm-up) before the server binds it, which once failed a serving fleet
 * with EADDRINUSE.
 */
export async function freeUdpPort(): Promise<number> {
  return freeUdpPorts(1);
}

/**
 * A base port P with P … P + n − 1 all free a moment ago, for a `serve` fleet of n devices (device
 * i listens on P + i). Test files run two at a time: a single free port says nothing of its neighbours.
 */
export async function freeUdpPorts(n: number): Promise<number> {
  const base = await findFreeBlock('127.0.0.1', 'udp', n, []);
  if (base === undefined) throw new Error(`no ${n} consecutive free UDP ports on 127.0.0.1`);
  return base;
}

const TYPES = ['CON', 'NON', 'ACK', 'RST'] as const;

export interface CoapHeader {
  type: (typeof TYPES)[number];
  /** `class.detail`, e.g. '0.01' (GET), '0.02' (POST), '2.05' (Content), '0.00' (empty). */
  code: string;
  messageId: number;
  tokenLength: number;
}

/** The fixed 4-byte CoAP header (RFC 7252 §3): Ver | T | TKL, Code, Message ID. */
export function coapHeader(buf: Buffer): CoapHeader {
  if (buf.length < 4) throw new Error(`a CoAP message has at least 4 bytes, got ${buf.length}`);
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  return {
    type: TYPES[(b0 >> 4) & 0x03]!,
    code: `${b1 >> 5}.${String(b1 & 0x1f).padStart(2, '0')}`,
    messageId: buf.readUInt16BE(2),
    tokenLength: b0 & 0x0f,
  };
}

/** CON GET /.well-known/core with an empty token. */
function wellKnownCoreGet(messageId: number): Buffer {
  const wk = Buffer.from('.well-known');
  const core = Buffer.from('core');
  // Uri-Path is option 11: first delta 11 (0xB_), then delta 0 for the second segment.
  return Buffer.concat([
    Buffer.from([0x40, 0x01, messageId >> 8, messageId & 0xff, 0xb0 | wk.length]),
    wk,
    Buffer.from([0x00 | core.length]),
    core,
  ]);
}

/** Resolves once a CoAP server on host:port ACKs a CON GET /.well-known/core; rejects after `timeoutMs`. */
export async function waitForCoap(
  port: number,
  host = '127.0.0.1',
  timeoutMs = 15_000,
  abort?: () => string | undefined,
): Promise<void> {
  const socket = createSocket('udp4');
  const mids = new Set<number>();
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    const until = Date.now() + timeoutMs;
    let acked = false;
    socket.on('message', (msg) => {
      if (msg.length >= 4 && coapHeader(msg).type === 'ACK' && mids.has(msg.readUInt16BE(2))) acked = true;
    });
    socket.on('error', () => {}); // ICMP port unreachable before the server binds: try again
    while (!acked) {
      const why = abort?.();
      if (why !== undefined) throw new Error(why);
      if (Date.now() >= until) throw new Error(`no CoAP answer from ${host}:${port} after ${timeoutMs}ms`);
      const mid = randomInt(0x10000);
      mids.add(mid);
      socket.send(wellKnownCoreGet(mid), port, host);
      const next = Date.now() + 100;
      while (!acked && Date.now() < next) await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

export interface LibcoapServer {
  port: number;
  /** `coap://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  stop(): Promise<void>;
  /** Everything the server wrote so far, stdout and stderr. */
  output(): string;
}

/** Stops `child`: SIGTERM, SIGKILL after `graceMs`, resolves on exit. */
function stopChild(child: ChildProcess, graceMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts libcoap's example server (`coap-server-notls -A 127.0.0.1 -p <port> -v 3`, see the top of
 * this file for its resources) on `opts.port` or a free UDP port; `opts.args` are added to the
 * command line (e.g. `['-d', '10']` to allow PUT-created resources). Returns once it answers a CON
 * GET /.well-known/core; rejects after 15 s (a generous bound: it starts in milliseconds) with what the server wrote.
 */
export async function startLibcoapServer(opts: { port?: number; args?: string[] } = {}): Promise<LibcoapServer> {
  // A free port can be taken between our probe and the server's bind; the server then exits 255.
  const attempts = opts.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freeUdpPort());
    const args = ['-A', '127.0.0.1', '-p', String(port), '-v', '3', ...(opts.args ?? [])];
    const child = spawn(LIBCOAP_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let spawnError: Error | undefined;
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (err) => (spawnError = err));
    const exited = (): string | undefined => {
      if (spawnError) return `cannot run ${LIBCOAP_SERVER}: ${spawnError.message}`;
      if (child.exitCode !== null || child.signalCode !== null)
        return `${LIBCOAP_SERVER} exited (${child.exitCode ?? child.signalCode})`;
      return undefined;
    };
    try {
      await waitForCoap(port, '127.0.0.1', 15_000, exited);
    } catch (err) {
      await stopChild(child);
      if (exited() !== undefined && !spawnError && attempt < attempts) continue;
      throw new Error(
        `${LIBCOAP_SERVER} ${args.join(' ')} did not come up: ${(err as Error).message}\n--- server output ---\n${output}`,
        { cause: err },
      );
    }
    return { port, url: `coap://127.0.0.1:${port}`, stop: () => stopChild(child), output: () => output };
  }
}

export interface LibcoapClientResult {
  /** Exit code; null when it was killed (by the timeout). */
  code: number | null;
  stdout: string;
  /** Bytes written to stdout (a body need not be text). */
  stdoutBytes: number;
  stderr: string;
}

/** Runs `coap-client-notls ...args`, killed (SIGKILL) after `timeoutMs`. */
export function runLibcoapClient(args: string[], timeoutMs = 10000): Promise<LibcoapClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(LIBCOAP_CLIENT, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      stdoutBytes += d.length;
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${LIBCOAP_CLIENT}: ${err.message}`, { cause: err }));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stdoutBytes, stderr });
    });
  });
}

export interface ForwardedDatagram {
  /** 'up': client -> server, 'down': server -> client. */
  direction: 'up' | 'down';
  /** 0-based index of the datagram in its direction, across the whole forwarder. */
  n: number;
  /** performance.now() when the forwarder received it. */
  atMs: number;
  dropped: boolean;
  /** The client's address:port as the forwarder saw it. */
  client: string;
  /** A copy of the datagram. */
  bytes: Buffer;
}

export interface LossyForwarder {
  port: number;
  /** `coap://127.0.0.1:<port>` followed by `path` (a leading '/' is added when missing). */
  url(path?: string): string;
  log: ForwardedDatagram[];
  close(): Promise<void>;
}

export interface LossyForwarderOptions {
  target: { host: string; port: number };
  /** True drops the n-th client -> server datagram. */
  dropUpstream?: (n: number, datagram: Buffer) => boolean;
  /** True drops the n-th server -> client datagram. */
  dropDownstream?: (n: number, datagram: Buffer) => boolean;
}

/**
 * A UDP forwarder on 127.0.0.1:<free port> in front of `target`. Every client (source
 * address:port) gets its own upstream socket, so the server sees one distinct source port per
 * client, as CoAP's duplicate detection and exchange matching need.
 */
export async function startLossyForwarder(opts: LossyForwarderOptions): Promise<LossyForwarder> {
  const log: ForwardedDatagram[] = [];
  const upstreams = new Map<string, Socket>();
  let upN = 0;
  let downN = 0;
  let closed = false;
  const front = createSocket('udp4');
  front.on('error', () => {});

  const record = (
    direction: 'up' | 'down',
    n: number,
    dropped: boolean,
    client: string,
    msg: Buffer,
    atMs: number,
  ): void => {
    log.push({ direction, n, atMs, dropped, client, bytes: Buffer.from(msg) });
  };

  const upstreamFor = (from: RemoteInfo, client: string): Socket => {
    let up = upstreams.get(client);
    if (up) return up;
    const socket = createSocket('udp4');
    socket.on('error', () => {});
    socket.on('message', (msg) => {
      const atMs = performance.now();
      const n = downN++;
      const dropped = opts.dropDownstream?.(n, msg) ?? false;
      record('down', n, dropped, client, msg, atMs);
      if (!dropped) front.send(msg, from.port, from.address);
    });
    // Sends issued while the bind is under way are queued by node and go out in order.
    socket.bind(0, '127.0.0.1');
    upstreams.set(client, socket);
    up = socket;
    return up;
  };

  front.on('message', (msg, from) => {
    if (closed) return;
    const atMs = performance.now();
    const client = `${from.address}:${from.port}`;
    const n = upN++;
    const dropped = opts.dropUpstream?.(n, msg) ?? false;
    record('up', n, dropped, client, msg, atMs);
    const up = upstreamFor(from, client); // even for a drop: the client's socket exists from its first datagram
    if (!dropped) up.send(msg, opts.target.port, opts.target.host);
  });

  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.bind(0, '127.0.0.1', () => {
      front.off('error', reject);
      resolve();
    });
  });
  const { port } = front.address();
  const closeSocket = (s: Socket): Promise<void> =>
    new Promise((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  return {
    port,
    url: (path = '') => `coap://127.0.0.1:${port}${path === '' || path.startsWith('/') ? path : `/${path}`}`,
    log,
    close: async () => {
      closed = true;
      const all = [front, ...upstreams.values()];
      upstreams.clear();
      await Promise.all(all.map(closeSocket));
    },
  };
}
