// Clock offsets between the shards of a run spread over machines. Shard 0 serves its clock on a
// datagram port; every other shard asks it a few times, NTP-style (RFC 5905 §8: four timestamps
// per exchange, offset θ = ((t2 − t1) + (t3 − t4)) / 2, round trip δ = (t4 − t1) − (t3 − t2)),
// keeps the exchange with the smallest round trip (the one least bent by queueing, as NTP's
// clock filter does) and bounds the offset by half its round trip: whatever the asymmetry of
// the path, the true offset lies within θ ± δ/2. Two processes on one machine (same
// /proc/sys/kernel/random/boot_id) read one CLOCK_MONOTONIC: offset 0, exactly.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { rawNowUs, sleep } from '../metrics/clock.ts';
import type { ClockInfo } from '../result/shard-types.ts';

/** The port shard 0 serves its clock on unless --clock-port says otherwise. */
export const DEFAULT_CLOCK_PORT = 7790;
/** Exchanges per estimate: enough for one to see an idle path, few enough to take well under a second. */
const SAMPLES = 12;
/** Gap between requests, and how long one may go unanswered before it counts as lost. */
const GAP_MS = 25;
const MAGIC = 'fbclock1';

export interface ClockSample {
  offsetUs: number;
  delayUs: number;
}

/** One exchange: t1 request sent (ours), t2 received (theirs), t3 answered (theirs), t4 answer received (ours). */
export function ntpSample(t1: number, t2: number, t3: number, t4: number): ClockSample {
  return { offsetUs: (t2 - t1 + (t3 - t4)) / 2, delayUs: Math.max(0, t4 - t1 - (t3 - t2)) };
}

/** The estimate from several exchanges: the smallest round trip's offset, ± half that round trip. */
export function bestEstimate(samples: readonly ClockSample[]): { offsetUs: number; uncertaintyUs: number } {
  const best = samples.reduce<ClockSample | undefined>(
    (b, s) => (b === undefined || s.delayUs < b.delayUs ? s : b),
    undefined,
  );
  if (!best) throw new Error('bestEstimate: no sample');
  return { offsetUs: Math.round(best.offsetUs), uncertaintyUs: Math.ceil(best.delayUs / 2) };
}

let wallMinusMono: number | undefined;

/**
 * This machine's wall clock minus its monotonic clock (µs). Date.now() has whole milliseconds:
 * read at the instant it ticks over, it is exact to a few microseconds, so shards given the same
 * --start-at start within microseconds of each other. Measured once per process (≤ 1 ms spin).
 */
export function wallMinusMonoUs(): number {
  if (wallMinusMono === undefined) {
    const first = Date.now();
    let now = first;
    let mono = rawNowUs();
    while (now === first) {
      mono = rawNowUs();
      now = Date.now();
    }
    wallMinusMono = now * 1000 - mono;
  }
  return wallMinusMono;
}

/** This machine's boot id: equal ids mean one monotonic clock. Undefined where unreadable (not Linux). */
export function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Parses --clock-ref `host:port` (a bracketed IPv6 address allowed); the port defaults to DEFAULT_CLOCK_PORT. */
export function parseClockRef(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(value.trim());
  const port = m?.[3] === undefined ? DEFAULT_CLOCK_PORT : Number(m[3]);
  const host = m?.[1] ?? m?.[2];
  if (!host || port < 1 || port > 65_535)
    throw new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--clock-ref: expected host:port of shard 0's clock, e.g. fleetbench-0.fleetbench:${DEFAULT_CLOCK_PORT}, got ${JSON.stringify(value)}`,
    );
  return { host, port };
}

export interface ClockServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Shard 0: answers clock requests until closed. Its answer also carries its wall clock minus its
 * monotonic clock, so every shard turns --start-at into the same monotonic instant.
 */
export async function serveClock(port: number): Promise<ClockServer> {
  // Every address, IPv4 and IPv6; IPv4 alone where the host has no IPv6 (some pods' kernels).
  try {
    return await serveOn(createSocket({ type: 'udp6', ipv6Only: false }), port);
  } catch (err) {
    const code = (err as { cause?: NodeJS.ErrnoException }).cause?.code;
    if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL' && code !== 'EINVAL') throw err;
    return await serveOn(createSocket('udp4'), port);
  }
}

async function serveOn(socket: Socket, port: number): Promise<ClockServer> {
  const boot = bootId();
  socket.on('message', (msg, from) => {
    const t2 = rawNowUs();
    let request: { m?: string; t1?: number };
    try {
      request = JSON.parse(msg.toString('utf8')) as { m?: string; t1?: number };
    } catch {
      return;
    }
    if (request.m !== MAGIC || typeof request.t1 !== 'number') return;
    const t3 = rawNowUs();
    const answer = { m: MAGIC, t1: request.t1, t2, t3, boot, wallMinusMonoUs: wallMinusMonoUs() };
    socket.send(JSON.stringify(answer), from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err: NodeJS.ErrnoException) => {
      try {
        socket.close();
      } catch {
        // Never bound: nothing to close.
      }
      reject(
        new FleetbenchError(
          ErrorCodes.CLOCK_SYNC,
          `--clock-port ${port}: cannot serve the clock reference (${err.code ?? err.message}); pick a free port with --clock-port`,
          { cause: err },
        ),
      );
    });
    socket.bind(port, () => resolve());
  });
  socket.on('error', () => undefined);
  return { port: socket.address().port, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

export interface ClockEstimate extends ClockInfo {
  /** The reference's wall clock minus its monotonic clock (µs): --start-at on the reference's clock. */
  refWallMinusMonoUs: number;
}

/**
 * Asks the reference at `ref` until SAMPLES exchanges answered, retrying (it may not be up yet,
 * nor its name resolvable: a Kubernetes pod's DNS record appears once it runs) until `deadlineMs`.
 */
export async function estimateClock(ref: string, deadlineMs: number, signal?: AbortSignal): Promise<ClockEstimate> {
  const { host, port } = parseClockRef(ref);
  const socket: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const samples: ClockSample[] = [];
  let refBoot: string | undefined;
  let refWallMinusMonoUs = 0;
  let lastError = 'no answer';
  socket.on('message', (msg) => {
    const t4 = rawNowUs();
    try {
      const a = JSON.parse(msg.toString('utf8')) as Record<string, unknown>;
      if (a.m !== MAGIC || typeof a.t1 !== 'number' || typeof a.t2 !== 'number' || typeof a.t3 !== 'number') return;
      samples.push(ntpSample(a.t1, a.t2, a.t3, t4));
      refBoot = typeof a.boot === 'string' ? a.boot : undefined;
      refWallMinusMonoUs = Number(a.wallMinusMonoUs) || 0;
    } catch {
      // Not an answer of ours: ignored.
    }
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    lastError = err.code ?? err.message;
  });
  try {
    while (samples.length < SAMPLES && Date.now() < deadlineMs && !signal?.aborted) {
      const request = JSON.stringify({ m: MAGIC, t1: rawNowUs() });
      socket.send(request, port, host, (err) => {
        if (err) lastError = (err as NodeJS.ErrnoException).code ?? err.message;
      });
      // Unanswered (not up yet, or a name not resolvable yet): back off a little, up to a second.
      await sleep(samples.length > 0 ? GAP_MS : Math.min(1000, GAP_MS * 8), signal);
    }
  } finally {
    socket.close();
  }
  if (samples.length === 0)
    throw new FleetbenchError(
      ErrorCodes.CLOCK_SYNC,
      `--clock-ref ${ref}: shard 0 did not answer (${lastError}); it serves its clock on --clock-port (default ${DEFAULT_CLOCK_PORT}) while it runs`,
    );
  const own = bootId();
  const same = own !== undefined && own === refBoot;
  const { offsetUs, uncertaintyUs } = bestEstimate(samples);
  return {
    reference: ref,
    method: same ? 'same host' : 'exchange',
    offsetUs: same ? 0 : offsetUs,
    uncertaintyUs: same ? 0 : uncertaintyUs,
    samples: samples.length,
    ...(own ? { bootId: own } : {}),
    refWallMinusMonoUs,
  };
}
