// The datagram side of the proxy: each client source address is a flow with its own socket to the
// target, so the target's answers find their way back to the client that asked. Each datagram
// is forwarded, lost, or blackholed, and counted as exactly one of them; a byte-identical repeat
// is counted besides (a retransmission, whatever the protocol above).
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { nowUs } from '../metrics/clock.ts';
import { Direction, type Random, type Windows } from './link.ts';
import { RepeatTracker } from './repeats.ts';
import { type DatagramCounts, type DatagramStats, emptyDatagramCounts, type ImpairSpec } from './spec.ts';
import type { TimerQueue } from './timer-queue.ts';

interface Flow {
  socket: Socket;
  up: Direction;
  down: Direction;
  upRepeats: RepeatTracker;
  downRepeats: RepeatTracker;
}

export class DatagramProxy {
  readonly stats: DatagramStats = { flows: 0, up: emptyDatagramCounts(), down: emptyDatagramCounts() };
  private readonly flows = new Map<string, Flow>();
  private listener: Socket | undefined;
  private closed = false;

  constructor(
    private readonly spec: ImpairSpec,
    private readonly target: { host: string; port: number },
    private readonly random: Random,
    private readonly windows: Windows,
    private readonly queue: TimerQueue,
  ) {}

  async listen(host: string): Promise<number> {
    const listener = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    this.listener = listener;
    listener.on('message', (msg, from) => this.fromClient(msg, from));
    listener.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.bind(0, host, () => resolve());
    });
    return listener.address().port;
  }

  async close(): Promise<void> {
    this.closed = true;
    const sockets = [...[...this.flows.values()].map((f) => f.socket), ...(this.listener ? [this.listener] : [])];
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private fromClient(msg: Buffer, from: RemoteInfo): void {
    const flow = this.flowOf(from);
    this.pass(msg, flow.up, flow.upRepeats, this.stats.up, () =>
      flow.socket.send(msg, this.target.port, this.target.host),
    );
  }

  private flowOf(from: RemoteInfo): Flow {
    const key = `${from.address}|${from.port}`;
    let flow = this.flows.get(key);
    if (flow) return flow;
    const socket = createSocket(isIPv6(this.target.host) ? 'udp6' : 'udp4');
    socket.on('error', () => undefined);
    flow = {
      socket,
      up: new Direction(this.spec, this.random),
      down: new Direction(this.spec, this.random),
      upRepeats: new RepeatTracker(),
      downRepeats: new RepeatTracker(),
    };
    const f = flow;
    socket.on('message', (msg) =>
      this.pass(msg, f.down, f.downRepeats, this.stats.down, () => this.listener?.send(msg, from.port, from.address)),
    );
    this.flows.set(key, flow);
    this.stats.flows++;
    return flow;
  }

  private pass(
    msg: Buffer,
    direction: Direction,
    repeats: RepeatTracker,
    counts: DatagramCounts,
    send: () => void,
  ): void {
    if (this.closed) return;
    counts.received++;
    if (repeats.check(msg)) counts.repeats++;
    const fate = direction.datagram(nowUs(), msg.length, this.windows);
    if (fate === 'lost') counts.lost++;
    else if (fate === 'blackholed') counts.blackholed++;
    else {
      // Counted when it leaves: a datagram still queued at the end was never forwarded.
      this.queue.at(fate.atUs, () => {
        counts.forwarded++;
        counts.bytes += msg.length;
        send();
      });
    }
  }
}
