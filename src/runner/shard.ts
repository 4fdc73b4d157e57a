// The virtual devices of one worker's shard: which devices it owns, how each one sends
// (stamp, payload, topic) and what it does with what it receives (delivery accounting,
// end-to-end latency, command replies and round trips).

import { defaults } from '../base/defaults.ts';
import { errorKey, errorMessage, RunErrorCodes } from '../base/errors.ts';
import { createPayloadGenerator, type GeneratedPayload, type PayloadContext } from '../dsl/payload.ts';
import { type GroupPlan, groupByName, type Plan } from '../dsl/plan.ts';
import { createScheduler, type Random, seededRandom } from '../dsl/schedule.ts';
import { nowUs } from '../metrics/clock.ts';
import { RUN_CODES } from '../metrics/codes.ts';
import type { GroupCounters } from '../metrics/counters.ts';
import type { DeliveryBook } from '../metrics/delivery.ts';
import { type Histogram, recordUs } from '../metrics/histogram.ts';
import { HistogramKind } from '../metrics/names.ts';
import type { Recorder } from '../metrics/recorder.ts';
import { STAMP_BYTES, type Stamp, streamId, writeStamp } from '../metrics/stamp.ts';
import type { DeviceEvents, DriverDevice, OutgoingMessage, ReceivedMessage } from '../protocols/driver.ts';
import { driverFor } from '../protocols/registry.ts';
import { acceptStamped, recordDelivery } from './receipts.ts';
import type { Sender } from './send-loop.ts';
import { renderTopic, replyTopic, targetRenderer } from './topics.ts';

export interface ShardContext {
  plan: Plan;
  runId: string;
  /** metrics/stamp.ts runKey(runId): stamps this run writes and accepts. */
  stampKey: number;
  seed: number;
  targets: Record<string, string>;
  recorder: Recorder;
  book: DeliveryBook;
  lateThresholdUs: number;
  /** Set when the send phase starts. */
  startUs: number;
}

export class VirtualDevice implements Sender {
  readonly stream: number;
  readonly clientId: string;
  readonly driver: DriverDevice;
  readonly counters: GroupCounters;
  next = Number.POSITIVE_INFINITY;
  seq = 0;
  isUp = false;
  private nextTime: (() => number) | undefined;
  private readonly random: Random;
  private readonly generate: ((ctx: PayloadContext, stamp: Stamp) => GeneratedPayload) | undefined;
  /** The group's send-lateness histogram, held: recorded on every send without a lookup. */
  private readonly lateness: Histogram | undefined;
  private readonly topic: ((target: number) => string) | undefined;
  private readonly targetCount: number;
  private targetCursor: number;
  /** Commanders: where the actuators answer (fixed for the device). */
  private readonly replyTo: string | undefined;
  /** power.session 'sleep' over a connection: every report wakes, connects, sends, waits for its ack and disconnects. */
  readonly sleeps: boolean;
  private readonly acknowledged: boolean;
  /** The report cycle in progress (sleep sessions), and who waits for its ack. */
  private cycle: Promise<void> | undefined;
  private ackWaiter: (() => void) | undefined;

  constructor(
    readonly group: GroupPlan,
    readonly index: number,
    private readonly ctx: ShardContext,
  ) {
    this.stream = streamId(group.index, index);
    this.clientId = renderTopic(
      (group.options as { clientId?: string }).clientId ?? defaults.clientId,
      group.name,
      index,
      ctx.runId,
    );
    this.counters = ctx.recorder.of(group.name);
    this.random = seededRandom((ctx.seed ^ Math.imul(this.stream + 1, 0x9e3779b1)) >>> 0);
    const publish = group.publish;
    this.generate = publish ? createPayloadGenerator(publish.payload, ctx.stampKey) : undefined;
    this.lateness = publish ? ctx.recorder.histogram(group.name, HistogramKind.sendLateness) : undefined;
    const target = publish?.commandTo === undefined ? undefined : groupByName(ctx.plan, publish.commandTo);
    this.targetCount = target?.count ?? 1;
    // Spread commanders over the targets so they do not all address device 0 first.
    this.targetCursor = index % this.targetCount;
    if (publish) this.topic = targetRenderer(publish.topic, group.name, index, ctx.runId);
    this.replyTo = group.kind === 'command' ? replyTopic(ctx.runId, this.stream) : undefined;
    const driver = driverFor(group.protocol);
    const url = ctx.targets[group.target];
    if (!driver || url === undefined) throw new Error(`no driver or target for ${group.name}`);
    const init = {
      url,
      index,
      fleet: group.name,
      runId: ctx.runId,
      clientId: this.clientId,
      options: group.options,
      connectTimeoutMs: ctx.plan.connectTimeoutMs,
    };
    this.driver = driver.createDevice(
      this.topic && group.kind !== 'command' ? { ...init, resource: this.topic(0) } : init,
      this.events(),
    );
    this.sleeps = group.power?.session === 'sleep' && driver.transport === 'tcp';
    this.acknowledged = driver.acknowledges?.(group.options) ?? false;
  }

  /** Resolves when no report cycle is in progress (sleep sessions), so the device can be closed. */
  idle(): Promise<void> {
    return this.cycle ?? Promise.resolve();
  }

  /** Connects and subscribes; failures are counted, never thrown. */
  async bringUp(): Promise<boolean> {
    const { recorder, book } = this.ctx;
    if (this.sleeps) {
      // Asleep until its first report: it connects then, and again for every report.
      this.isUp = true;
      return true;
    }
    try {
      const us = await this.driver.connect();
      recorder.record(this.group.name, HistogramKind.connect, us);
      this.counters.connects++;
      recorder.setConnected(this.group.name, 1);
      this.isUp = true;
    } catch (err) {
      this.counters.connectFailed++;
      recorder.error(this.group.name, errorKey(err), errorMessage(err));
      return false;
    }
    const filters = this.filters();
    try {
      // A receiver without filters (a webhook endpoint, a server) receives what is sent to it.
      if (filters.length > 0) await this.driver.subscribe(filters);
      if (this.group.receives.length > 0) book.addReceiver(this.group.name, this.index);
      return true;
    } catch (err) {
      recorder.error(this.group.name, errorKey(err), errorMessage(err));
      return false;
    }
  }

  /** Arms the schedule once the send phase has a start time. */
  arm(startUs: number): void {
    const publish = this.group.publish;
    if (!publish || !this.isUp) return;
    this.nextTime = createScheduler(
      publish.schedule,
      this.index,
      this.group.count,
      startUs,
      this.ctx.plan.rampUpMs * 1000,
      this.random,
    );
    this.next = this.nextTime();
  }

  advance(): boolean {
    const limit = this.group.publish?.messages;
    // A sleeping device's report in progress counts toward its limit before its publish is sent.
    const reports = this.seq + (this.cycle ? 1 : 0);
    if (!this.nextTime || (limit !== undefined && reports >= limit)) return false;
    this.next = this.nextTime();
    return true;
  }

  /** One scheduled send at `intendedUs`. */
  fire(intendedUs: number): void {
    if (this.sleeps) {
      if (this.cycle) {
        // The previous report's cycle (connect, publish, ack, disconnect) is still running.
        this.counters.dropped++;
        this.ctx.recorder.code(this.group.name, RUN_CODES.keys.dropped.still_awake);
        return;
      }
      this.cycle = this.wakeAndSend(intendedUs).finally(() => (this.cycle = undefined));
      return;
    }
    this.send(intendedUs);
  }

  /**
   * A sleep-session report, really performed on the wire: connect (the transport's and the
   * protocol's handshakes), send, wait for the acknowledgement when the protocol gives one (bounded
   * by the connect timeout), disconnect. The connect time counts in the corrected latency: the
   * reading was due at `intendedUs`.
   */
  private async wakeAndSend(intendedUs: number): Promise<void> {
    const { recorder } = this.ctx;
    const name = this.group.name;
    const c = this.counters;
    // Lateness is the generator's: did the device wake on time? Connecting is part of the report.
    const wokeUs = nowUs();
    if (this.lateness) recordUs(this.lateness, wokeUs - intendedUs);
    if (wokeUs - intendedUs > this.ctx.lateThresholdUs) c.late++;
    try {
      const us = await this.driver.connect();
      recorder.record(name, HistogramKind.connect, us);
      c.connects++;
    } catch (err) {
      c.connectFailed++;
      c.dropped++;
      recorder.code(name, RUN_CODES.keys.dropped.connect_failed);
      recorder.error(name, errorKey(err), errorMessage(err));
      return;
    }
    recorder.setConnected(name, 1);
    let timer: NodeJS.Timeout | undefined;
    const acked = new Promise<void>((resolve) => {
      this.ackWaiter = resolve;
      timer = setTimeout(resolve, this.ctx.plan.connectTimeoutMs);
    });
    if (this.send(intendedUs, false) && this.acknowledged) await acked;
    clearTimeout(timer);
    this.ackWaiter = undefined;
    await this.driver.close();
    recorder.setConnected(name, -1);
  }

  /** Builds and sends one stamped message; false when the driver refused it (counted as dropped). */
  private send(intendedUs: number, checkLate = true): boolean {
    const c = this.counters;
    const sentUs = nowUs();
    if (checkLate) {
      if (this.lateness) recordUs(this.lateness, sentUs - intendedUs);
      if (sentUs - intendedUs > this.ctx.lateThresholdUs) c.late++;
    }
    const stamp: Stamp = { stream: this.stream, seq: this.seq, intendedUs, sentUs };
    let generated: GeneratedPayload;
    try {
      generated = (this.generate as NonNullable<typeof this.generate>)(
        {
          id: this.index,
          fleet: this.group.name,
          seq: this.seq,
          elapsedMs: (sentUs - this.ctx.startUs) / 1000,
          random: this.random,
        },
        stamp,
      );
    } catch (err) {
      // The scenario's payload function threw (or returned a cycle or a BigInt, which JSON cannot
      // encode): this send is dropped and counted, the device and the run go on.
      c.dropped++;
      this.ctx.recorder.code(this.group.name, RUN_CODES.keys.dropped.payload_error);
      this.ctx.recorder.error(
        this.group.name,
        RunErrorCodes.PAYLOAD_ERROR,
        `${this.group.name}: the payload function failed: ${errorMessage(err)}`,
      );
      return false;
    }
    if (generated.oversize) c.oversize++;
    const message: OutgoingMessage = { topic: this.nextTopic(), payload: generated.buffer, stamp };
    if (this.replyTo !== undefined) {
      message.replyTo = this.replyTo;
      const correlation = Buffer.allocUnsafe(8);
      correlation.writeUInt32BE(this.stream, 0);
      correlation.writeUInt32BE(this.seq, 4);
      message.correlation = correlation;
    }
    const outcome = this.driver.send(message);
    if (outcome !== 'sent') {
      c.dropped++;
      this.ctx.recorder.code(this.group.name, RUN_CODES.keys.dropped[outcome]);
      return false;
    }
    this.seq++;
    c.sent++;
    return true;
  }

  /** Sends still due when the send phase ended: the generator fell behind, they are dropped. */
  skip(count: number): void {
    this.counters.dropped += count;
    this.ctx.recorder.code(this.group.name, RUN_CODES.keys.dropped.generator_behind, count);
  }

  private nextTopic(): string {
    const render = this.topic as (target: number) => string;
    if (this.group.kind !== 'command') return render(0);
    const target = this.targetCursor;
    this.targetCursor = (target + 1) % this.targetCount;
    return render(target);
  }

  private filters(): string[] {
    const own = (this.group.subscribe ?? []).map((f) => renderTopic(f, this.group.name, this.index, this.ctx.runId));
    // Commanders listen for the replies to their own commands.
    if (this.replyTo !== undefined) own.push(this.replyTo);
    return own;
  }

  private events(): DeviceEvents {
    const { recorder } = this.ctx;
    const name = this.group.name;
    return {
      onMessage: (m) => this.receive(m),
      onAck: (message, ackUs) => {
        if (message.isReply) return;
        this.ackWaiter?.();
        this.counters.acked++;
        recorder.record(name, HistogramKind.ack, ackUs - message.stamp.intendedUs);
        recorder.record(name, HistogramKind.ackService, ackUs - message.stamp.sentUs);
      },
      onCode: (code, count) => recorder.code(name, code, count),
      onLatency: (kind, us) => recorder.record(name, kind, us),
      onError: (key, message) => recorder.error(name, key, message),
      onInDoubt: (count) => {
        this.counters.inDoubt += count;
      },
      onResend: (count) => {
        this.counters.resent += count;
      },
      onDisconnect: (key, message) => {
        if (this.isUp) recorder.setConnected(name, -1);
        this.isUp = false;
        this.counters.disconnects++;
        recorder.error(name, key, message);
      },
    };
  }

  private receive(m: ReceivedMessage): void {
    const c = this.counters;
    const { recorder } = this.ctx;
    const stamped = acceptStamped(this.ctx.plan, this.ctx.startUs, this.ctx.stampKey, c, m);
    if (!stamped) return;
    const { stamp, from } = stamped;
    if (this.group.kind === 'command') {
      // A reply echoing one of our commands: the round trip closes here. Replies of protocols
      // with correlation data echo it too (ReceivedMessage.correlation): it must name the same command.
      c.repliesReceived++;
      if (m.correlation) {
        const matches =
          m.correlation.length === 8 &&
          m.correlation.readUInt32BE(0) === stamp.stream &&
          m.correlation.readUInt32BE(4) === stamp.seq;
        recorder.code(
          this.group.name,
          matches ? RUN_CODES.keys.reply.correlated : RUN_CODES.keys.reply.correlation_mismatch,
        );
      } else recorder.code(this.group.name, RUN_CODES.keys.reply.uncorrelated);
      recorder.record(this.group.name, HistogramKind.rtt, m.receivedUs - stamp.intendedUs);
      recorder.record(this.group.name, HistogramKind.rttService, m.receivedUs - stamp.sentUs);
      return;
    }
    recordDelivery(recorder, this.ctx.book, from, this.group, this.index, stamp, m.receivedUs);
    if (this.group.reply && from.kind === 'command') this.reply(m, stamp);
  }

  private reply(m: ReceivedMessage, stamp: Stamp): void {
    // Answer on the reply address the command gave, echoing its correlation data (the driver maps
    // both to its protocol's fields); without one, the reply topic is derived from the command's stream.
    const payload = Buffer.allocUnsafe(STAMP_BYTES);
    writeStamp(payload, stamp, 0, this.ctx.stampKey);
    const message: OutgoingMessage = {
      topic: m.replyTo ?? replyTopic(this.ctx.runId, stamp.stream),
      payload,
      stamp,
      isReply: true,
    };
    if (m.correlation) message.correlation = m.correlation;
    if (this.driver.send(message) === 'sent') this.counters.repliesSent++;
    else
      this.ctx.recorder.error(
        this.group.name,
        'reply_not_sent',
        `${this.clientId}: could not send a reply (in-flight window full or disconnected)`,
      );
  }
}
