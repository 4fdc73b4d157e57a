// The conformance suite every protocol driver must pass (idea credit: aedes-persistence's
// abstract.js). It speaks only the Driver interface, against a real peer the caller starts.
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { ErrorCodes, FleetbenchError } from '../../src/base/errors.ts';
import { decodeStamp, STAMP_BYTES, writeStamp } from '../../src/metrics/stamp.ts';
import type {
  DeviceEvents,
  DisconnectCause,
  Driver,
  DriverDevice,
  OutgoingMessage,
  ReceivedMessage,
} from '../../src/protocols/driver.ts';
import { freePort } from '../helpers/brokers.ts';
import { eventually, uniq } from '../helpers/devices.ts';
import { watchStalls } from '../helpers/wait.ts';

/** Connect timeout of the devices here: generous, a loaded machine must not turn a slow connect into a failure. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Connect timeout of the one test that waits for it to expire against a peer that never answers. */
const SILENT_CONNECT_TIMEOUT_MS = 500;

export interface Peer {
  url: string;
  close(): Promise<void>;
}

export interface DriverSpec {
  /** Options (as a user would write them) for a device that gets acks for what it sends. */
  ackedOptions: unknown;
  /** A destination a device can send to and the filter another device subscribes with. */
  address(): { send: string; subscribe: string };
  /** A URL of this protocol where nothing listens. */
  refusedUrl(port: number): string;
  /**
   * Connectionless protocols (CoAP over UDP) have no refused or silent connect: "connect" binds
   * a socket. Instead, a message to a peer that never answers must be counted as `timeoutCode`
   * (a ('packet', 'code') event) within `withinMs`, with these options, and never acked.
   */
  connectionless?: { options: unknown; timeoutCode: [packet: string, code: string]; withinMs: number };
  /**
   * Protocols whose connect ends with the TCP handshake (HTTP): a peer that accepts the
   * connection but never answers shows at the first message, which must be counted as
   * `timeoutCode` within `withinMs`, with these options, and never acked.
   */
  silentPeer?: { options: unknown; timeoutCode: [packet: string, code: string]; withinMs: number };
  /**
   * Protocols whose receivers are servers that senders address directly (HTTP webhooks): the
   * receiving device gets `options(port)` and listens on `port`; the sender sends to `url(port)`.
   */
  listeningReceiver?: { options(port: number): unknown; url(port: number): string };
  /**
   * Semantic checks (issue 15). Each is a capability the driver's file opts into; absent, the
   * protocol has no such case.
   *
   * A peer that refuses the connection with a protocol reason (wrong credentials, a refused
   * upgrade): the connect rejects with FB_CONNECT_REJECTED, one of `reasonCodes`, and the
   * reason's name in words (`name`), never the library's raw string alone.
   */
  refusal?: SemanticCheck<{ reasonCodes: readonly (string | number)[]; name: RegExp }>;
  /**
   * Request/response protocols: a peer that answers a sent message with an error (an HTTP 503,
   * a CoAP 4.05, an AMQP channel.close 404). It is counted as an error whose key matches `error`
   * and is never acknowledged (nor delivered).
   */
  errorResponse?: SemanticCheck<{ send: string; error: RegExp }>;
  /**
   * A peer that closes an established connection with a reason (AMQP connection.close, an MQTT 5
   * DISCONNECT, a WebSocket Close frame): reported once through onDisconnect, with `cause` and a
   * key matching `key` that names the reason.
   */
  disconnectReason?: SemanticCheck<{ cause: DisconnectCause; key: RegExp; kick(clientId: string): Promise<void> }>;
}

/** A peer set up for one semantic check: where to connect, with which options, and what to expect. */
export type SemanticPeer<Expect> = Expect & { url: string; options?: unknown; close(): Promise<void> };

/** How a driver's file opts into a semantic check: `start` sets up (or points at) its peer. */
export interface SemanticCheck<Expect> {
  start(peerUrl: string): Promise<SemanticPeer<Expect>>;
}

interface Recorded extends DeviceEvents {
  messages: ReceivedMessage[];
  acks: OutgoingMessage[];
  disconnects: string[];
  causes: DisconnectCause[];
  errors: string[];
  codes: string[];
}

function recorder(): Recorded {
  const r: Recorded = {
    messages: [],
    acks: [],
    disconnects: [],
    causes: [],
    errors: [],
    onMessage: (m) => r.messages.push(m),
    onAck: (m) => r.acks.push(m),
    codes: [],
    onCode: (code) => r.codes.push(code),
    onError: (key) => r.errors.push(key),
    onLatency: () => undefined,
    onDisconnect: (key, _message, cause) => {
      r.disconnects.push(key);
      r.causes.push(cause);
    },
    onInDoubt: () => undefined,
    onResend: () => undefined,
  };
  return r;
}

export function describeDriver<O>(
  name: string,
  driver: Driver<O, unknown, unknown>,
  startPeer: () => Promise<Peer>,
  spec: DriverSpec,
): void {
  describe(`driver conformance: ${driver.name} against ${name}`, () => {
    let peer: Peer;
    const devices: DriverDevice[] = [];
    /** Each device's client id: how a peer names its connection (a broker's connection list). */
    const deviceIds = new Map<DriverDevice, string>();
    beforeAll(async () => {
      peer = await startPeer();
    });
    afterAll(async () => {
      await Promise.all(devices.map((d) => d.close()));
      await peer.close();
    });

    const device = (
      events: DeviceEvents,
      url = peer.url,
      raw: unknown = spec.ackedOptions,
      connectTimeoutMs = CONNECT_TIMEOUT_MS,
    ): DriverDevice => {
      const check = new Checker();
      const resolved = driver.resolveOptions(raw, 'spec', check);
      if (resolved === undefined) throw new Error(check.problems.join('\n'));
      const clientId = `fb-conf-${uniq()}`;
      const d = driver.createDevice({ url, index: 0, clientId, options: resolved, connectTimeoutMs }, events);
      devices.push(d);
      deviceIds.set(d, clientId);
      return d;
    };
    /** A receiver ready for `send` (subscribed, or listening) and a connected sender that reaches it. */
    const pair = async (
      rx: DeviceEvents,
      tx: DeviceEvents,
    ): Promise<{ receiver: DriverDevice; sender: DriverDevice; send: string }> => {
      const { send, subscribe } = spec.address();
      const direct = spec.listeningReceiver;
      const port = direct ? await freePort() : 0;
      const receiver = direct ? device(rx, peer.url, direct.options(port)) : device(rx);
      await receiver.connect();
      await receiver.subscribe([subscribe]);
      const sender = device(tx, direct ? direct.url(port) : peer.url);
      await sender.connect();
      return { receiver, sender, send };
    };
    const message = (topic: string, seq: number): OutgoingMessage => {
      const payload = Buffer.alloc(STAMP_BYTES + 12, 0x2e);
      const stamp = { stream: 7, seq, intendedUs: 1_000_000, sentUs: 1_000_050 };
      writeStamp(payload, stamp);
      return { topic, payload, stamp };
    };

    it('connects and reports the connect latency in microseconds', async () => {
      const d = device(recorder());
      const t0 = process.hrtime.bigint();
      const us = await d.connect();
      const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
      expect(us).toBeGreaterThan(0);
      // Measured inside the call, so never longer than the call itself (milliseconds or nanoseconds would be).
      expect(us).toBeLessThanOrEqual(wallUs);
      expect(d.connected).toBe(true);
    });

    it('delivers a sent message with its payload and stamp intact, and acks it', async () => {
      const rx = recorder();
      const tx = recorder();
      const { sender, send } = await pair(rx, tx);
      const out = message(send, 41);
      expect(sender.send(out)).toBe('sent');
      await eventually(() => rx.messages.length === 1 && tx.acks.length === 1);
      const got = rx.messages[0]!;
      expect(got.payload.equals(out.payload)).toBe(true);
      expect(decodeStamp(got.payload)).toEqual(out.stamp);
      expect(tx.acks[0]).toBe(out);
    });

    it('counts application bytes in both directions', async () => {
      const { receiver, sender, send } = await pair(recorder(), recorder());
      const before = { ...sender.bytes };
      const received = receiver.bytes.received;
      sender.send(message(send, 1));
      await eventually(() => receiver.bytes.received - received >= STAMP_BYTES + 12);
      // The payload at least: raw datagrams carry nothing else, every other protocol adds its framing.
      expect(sender.bytes.sent - before.sent).toBeGreaterThanOrEqual(STAMP_BYTES + 12);
      await eventually(() => sender.bytes.received > 0);
    });

    it('refuses to send once closed, without throwing', async () => {
      const d = device(recorder());
      await d.connect();
      await d.close();
      expect(d.connected).toBe(false);
      expect(d.send(message(spec.address().send, 0))).toBe('not_connected');
    });

    const connectionless = spec.connectionless;
    const unanswered = connectionless ?? spec.silentPeer;
    it.runIf(unanswered)(
      'counts a message to a peer that never answers as a timeout, in bounded time, never acked',
      async () => {
        const c = unanswered as NonNullable<typeof unanswered>;
        // Connectionless: nothing at that port; otherwise a peer that accepts and then stays silent.
        const held: Socket[] = [];
        const server = connectionless ? undefined : createServer((s) => held.push(s.on('error', () => undefined)));
        if (server) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        const port = server ? (server.address() as { port: number }).port : await freePort();
        const rx = recorder();
        const d = device(rx, spec.refusedUrl(port), c.options);
        await d.connect();
        onTestFinished(() => {
          for (const s of held) s.destroy();
          server?.close();
        });
        const stalls = watchStalls();
        const t0 = Date.now();
        expect(d.send(message(spec.address().send, 0))).toBe('sent');
        await eventually(() => rx.codes.includes(c.timeoutCode.join('|')));
        const elapsedMs = Date.now() - t0;
        const stallMs = stalls.stop();
        // The protocol's bound, plus what this thread's event loop lost to a busy machine meanwhile
        // (each of the few chained retransmission or timeout timers can run that late), plus 250 ms.
        const boundMs = c.withinMs + 250 + 4 * stallMs;
        expect(
          elapsedMs,
          `gave up after ${elapsedMs} ms; event loop stalled up to ${stallMs.toFixed(0)} ms`,
        ).toBeLessThan(boundMs);
        expect(rx.acks).toEqual([]);
      },
    );

    // Connectionless drivers have no connection to refuse or to leave unanswered: their
    // connect binds a local socket and cannot fail this way. The test above covers their silent
    // peer, and that of drivers whose connect is the TCP handshake alone (silentPeer).
    it.skipIf(connectionless)(
      'rejects with FB_CONNECT_REFUSED, naming the URL and the errno, when nothing listens',
      async () => {
        const port = await freePort();
        const url = spec.refusedUrl(port);
        const err = await device(recorder(), url)
          .connect()
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err).toBeInstanceOf(FleetbenchError);
        expect((err as FleetbenchError).code).toBe(ErrorCodes.CONNECT_REFUSED);
        expect((err as FleetbenchError).reasonCode).toBe('ECONNREFUSED');
        expect((err as FleetbenchError).message).toContain(`127.0.0.1:${port}`);
      },
    );

    // A connect that is only the TCP handshake (silentPeer) completes against a silent server;
    // its silence shows at the first message, which the test above times out.
    it.skipIf(unanswered)('rejects with FB_CONNECT_TIMEOUT when the peer never answers', async () => {
      const silent = createServer((s) => s.on('error', () => undefined));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const url = spec.refusedUrl((silent.address() as { port: number }).port);
      const err = await device(recorder(), url, spec.ackedOptions, SILENT_CONNECT_TIMEOUT_MS)
        .connect()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      silent.close();
      expect((err as FleetbenchError).code).toBe(ErrorCodes.CONNECT_TIMEOUT);
    });

    /** Runs a semantic check with its own peer; absent: the protocol has no such case. */
    const semantic = <E>(
      title: string,
      check: SemanticCheck<E> | undefined,
      body: (p: SemanticPeer<E>) => Promise<void>,
    ): void => {
      if (check === undefined) return;
      it(title, async () => {
        const p = await check.start(peer.url);
        try {
          await body(p);
        } finally {
          await p.close();
        }
      });
    };

    semantic('maps a refused connect to FB_CONNECT_REJECTED with the reason named', spec.refusal, async (p) => {
      const err = await device(recorder(), p.url, p.options ?? spec.ackedOptions)
        .connect()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(FleetbenchError);
      const e = err as FleetbenchError;
      expect(e.code).toBe(ErrorCodes.CONNECT_REJECTED);
      expect(p.reasonCodes).toContain(e.reasonCode);
      expect(e.message).toMatch(p.name);
    });

    semantic('counts an error response as an error, never as an ack', spec.errorResponse, async (p) => {
      const tx = recorder();
      const d = device(tx, p.url, p.options ?? spec.ackedOptions);
      await d.connect();
      expect(d.send(message(p.send, 3))).toBe('sent');
      await eventually(() => tx.errors.some((k) => p.error.test(k)));
      // The answer has arrived (the error): an ack for the same message would have come with it.
      expect(tx.acks).toEqual([]);
    });

    semantic(
      'reports a peer closing the connection with a reason as a named cause',
      spec.disconnectReason,
      async (p) => {
        const rx = recorder();
        const d = device(rx, p.url, p.options ?? spec.ackedOptions);
        await d.connect();
        await p.kick(deviceIds.get(d) as string);
        await eventually(() => rx.disconnects.length > 0);
        expect(rx.causes).toEqual([p.cause]);
        expect(rx.disconnects[0]).toMatch(p.key);
        expect(d.connected).toBe(false);
      },
    );

    it('kill() drops the connection without reporting it as lost', async () => {
      const rx = recorder();
      const d = device(rx);
      await d.connect();
      d.kill();
      await eventually(() => !d.connected);
      // A lost-connection report would come from the socket's close, a few event-loop turns
      // later: give it time to show up before asserting that it does not.
      await new Promise((r) => setTimeout(r, 200));
      expect(d.connected).toBe(false);
      // A deliberate kill is the device's own doing, not a lost connection.
      expect(rx.disconnects).toEqual([]);
    });
  });
}
