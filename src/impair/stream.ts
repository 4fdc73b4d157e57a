// The stream side of the proxy: each accepted connection gets its own connection to the target,
// and the bytes of each direction wait in the link model before they are written on. Bytes are
// delayed, never dropped; a blackhole holds them (connections stay open); a reset ends every
// open connection with RST on both sides.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { nowUs } from '../metrics/clock.ts';
import { Direction, type Random, type Windows } from './link.ts';
import type { ImpairSpec, StreamStats } from './spec.ts';
import type { TimerQueue } from './timer-queue.ts';

/** Bytes waiting in one direction before the sending side is paused (TCP backpressure to the sender). */
const PAUSE_BYTES = 1 << 20;

interface Pair {
  client: Socket;
  upstream: Socket;
  dead: boolean;
}

export class StreamProxy {
  readonly stats: StreamStats = { connections: 0, upstreamFailed: 0, bytesUp: 0, bytesDown: 0, resets: 0, held: 0 };
  private readonly open = new Set<Pair>();
  private server: Server | undefined;

  constructor(
    private readonly spec: ImpairSpec,
    private readonly target: { host: string; port: number },
    private readonly random: Random,
    private readonly windows: Windows,
    private readonly queue: TimerQueue,
  ) {}

  async listen(host: string): Promise<number> {
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    return (server.address() as { port: number }).port;
  }

  /** Every open connection is reset, both sides; each counts once. */
  reset(): void {
    for (const pair of [...this.open]) {
      this.stats.resets++;
      this.kill(pair, true);
    }
  }

  /** A blackhole begins: the connections open now are held through it. */
  blackholeBegins(): void {
    this.stats.held += this.open.size;
  }

  async close(): Promise<void> {
    for (const pair of [...this.open]) this.kill(pair, false);
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.stats.connections++;
    if (this.windows.endOf(nowUs()) !== undefined) this.stats.held++;
    const upstream = connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true, noDelay: true });
    // Chunks leave as they are due: Nagle's algorithm would hold a small one for the peer's
    // delayed ACK (tens of ms) whenever an earlier one is unacknowledged.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair: Pair = { client, upstream, dead: false };
    this.open.add(pair);
    let upstreamReady = false;
    upstream.once('connect', () => (upstreamReady = true));
    this.pipe(pair, client, upstream, 'bytesUp');
    this.pipe(pair, upstream, client, 'bytesDown');
    client.on('error', () => this.kill(pair, false));
    upstream.on('error', () => {
      // The target refused the connection: the client sees its connection end, as it would.
      if (!upstreamReady && !pair.dead) this.stats.upstreamFailed++;
      this.kill(pair, false);
    });
  }

  private pipe(pair: Pair, from: Socket, to: Socket, counter: 'bytesUp' | 'bytesDown'): void {
    const direction = new Direction(this.spec, this.random);
    let queued = 0;
    from.on('data', (chunk: Buffer) => {
      if (pair.dead) return;
      const { atUs } = direction.departure(nowUs(), chunk.length, this.windows);
      queued += chunk.length;
      if (queued > PAUSE_BYTES) from.pause();
      this.queue.at(atUs, () => {
        queued -= chunk.length;
        if (pair.dead) return;
        this.stats[counter] += chunk.length;
        to.write(chunk);
        if (queued <= PAUSE_BYTES / 4 && from.isPaused()) from.resume();
      });
    });
    from.on('end', () => {
      if (pair.dead) return;
      // The half-close follows the last bytes, in order.
      const { atUs } = direction.departure(nowUs(), 0, this.windows);
      this.queue.at(atUs, () => {
        if (!pair.dead) to.end();
        if (pair.client.writableEnded && pair.upstream.writableEnded) this.release(pair);
      });
    });
    from.on('close', () => {
      // A side closed without a clean end (destroyed): the other side goes too.
      if (!from.readableEnded) this.kill(pair, false);
    });
  }

  private release(pair: Pair): void {
    pair.dead = true;
    this.open.delete(pair);
  }

  private kill(pair: Pair, reset: boolean): void {
    if (pair.dead) return;
    this.release(pair);
    for (const s of [pair.client, pair.upstream]) {
      if (reset && !s.destroyed) s.resetAndDestroy();
      else s.destroy();
    }
  }
}
