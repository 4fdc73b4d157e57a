// An embedded server that is itself a receiver (EmbeddedServer.sink): in the main thread, it gets
// its own Recorder and DeliveryBook and feeds snapshots to the Aggregator like one more
// worker, so what the server received is judged and timed like any observer's.
import type { GroupPlan, Plan } from '../dsl/plan.ts';
import type { GroupCounters } from '../metrics/counters.ts';
import type { DeliveryShard } from '../metrics/delivery.ts';
import { DeliveryBook } from '../metrics/delivery.ts';
import { type Phase, Recorder, type Snapshot, WireDeltas } from '../metrics/recorder.ts';
import type { EmbeddedSink, ReceivedMessage } from '../protocols/driver.ts';
import { driverFor } from '../protocols/registry.ts';
import { acceptStamped, recordDelivery } from './receipts.ts';
import { receivedInWarmup } from './warm-split.ts';

export class ServerSink {
  readonly recorder: Recorder;
  readonly book = new DeliveryBook();
  /** Deliveries of warm-up messages (warm-window.ts). */
  readonly warmBook = new DeliveryBook();
  /** Set when the send phase starts; stamps from before it are not this run's. */
  startUs = 0;
  /** The warm-up's end (warm-window.ts), set with `startUs`; 0: none. */
  warmupEndUs = 0;
  private readonly wire = new WireDeltas();
  /** The group's counters, zeroed in place by each snapshot: looked up once, not per message. */
  private readonly counters: GroupCounters;

  constructor(
    private readonly plan: Plan,
    readonly group: GroupPlan,
    private readonly server: EmbeddedSink,
    worker: number,
    /** metrics/stamp.ts runKey of the run. */
    private readonly stampKey: number,
  ) {
    this.recorder = new Recorder(worker);
    this.counters = this.recorder.of(group.name);
    this.recorder.setConnected(group.name, 1);
    this.book.addReceiver(group.name, 0);
    server.attach({
      onMessage: (m) => this.receive(m),
      onCode: (code, count) => this.recorder.code(group.name, code, count),
      onError: (key, message) => this.recorder.error(group.name, key, message),
    });
  }

  snapshot(phase: Phase): Snapshot {
    const s = this.recorder.snapshot(phase);
    const { bytes, datagrams } = this.server;
    this.wire.add(s, this.group.name, {
      sent: bytes.sent,
      received: bytes.received,
      datagramsSent: datagrams?.sent ?? 0,
      datagramsReceived: datagrams?.received ?? 0,
    });
    return s;
  }

  final(): DeliveryShard {
    return this.book.final();
  }

  /** What it received of the warm-up. */
  warmFinal(): DeliveryShard {
    return this.warmBook.final();
  }

  private receive(m: ReceivedMessage): void {
    const stamped = acceptStamped(this.plan, this.startUs, this.stampKey, this.counters, m);
    if (!stamped) return;
    const { from, stamp } = stamped;
    const warm = from.kind !== 'will' && receivedInWarmup(this, this.group.name, this.counters, stamp.intendedUs);
    recordDelivery(
      this.recorder,
      warm ? this.warmBook : this.book,
      from,
      this.group,
      0,
      stamp,
      m.receivedUs,
      true,
      warm,
    );
  }
}

/**
 * The receiver group standing for an embedded server: it receives from every group of the
 * protocol whose target is that server and whose messages end there. Undefined when none do.
 */
export function sinkGroup(plan: Plan, protocol: string, embeddedTargets: ReadonlySet<string>): GroupPlan | undefined {
  const driver = driverFor(protocol);
  if (!driver?.deliversToServer) return undefined;
  const feeders = plan.groups.filter(
    (g) =>
      g.protocol === protocol && g.publish && embeddedTargets.has(g.target) && driver.deliversToServer?.(g.options),
  );
  if (feeders.length === 0) return undefined;
  let name = `${protocol}-server`;
  while (plan.groups.some((g) => g.name === name)) name = `${name}_`;
  return {
    name,
    index: plan.groups.length,
    kind: 'server',
    count: 1,
    protocol,
    options: feeders[0]?.options,
    target: feeders[0]?.target ?? protocol,
    publish: undefined,
    subscribe: undefined,
    receives: feeders.map((g) => g.name),
    receiverMode: 'group',
    reply: false,
    reconnect: false,
  };
}
