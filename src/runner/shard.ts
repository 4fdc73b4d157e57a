// The virtual devices of one worker's shard: which devices it owns, how each one sends
// (stamp, payload, topic), and how it loses its connection and comes back (recovery.ts);
// what it does with what it receives is inbox.ts.

import { defaults } from '../base/defaults.ts';
import { errorKey, errorMessage, RunErrorCodes } from '../base/errors.ts';
import { createPayloadGenerator, type GeneratedPayload, type PayloadContext } from '../dsl/payload.ts';
import { type GroupPlan, groupByName } from '../dsl/plan.ts';
import { createScheduler, type Random, seededRandom } from '../dsl/schedule.ts';
import { sourceAddressOf } from '../dsl/source-addresses.ts';
import { nowUs } from '../metrics/clock.ts';
import { type DisconnectCauseCode, RUN_CODES } from '../metrics/codes.ts';
import type { GroupCounters } from '../metrics/counters.ts';
import { HistogramKind } from '../metrics/names.ts';
import { type Stamp, stampNow, streamId } from '../metrics/stamp.ts';
import type { DeviceEvents, DriverDevice, OutgoingMessage } from '../protocols/driver.ts';
import { driverFor } from '../protocols/registry.ts';
import type { ShardContext } from './context.ts';

export type { ShardContext };

import { receive } from './inbox.ts';
import { Recovery } from './recovery.ts';
import type { Sender } from './send-loop.ts';
import { renderTopic, replyTopic, targetRenderer } from './topics.ts';
import { SendSplit } from './warm-split.ts';

export class VirtualDevice implements Sender {
  readonly stream: number;
  readonly clientId: string;
  readonly driver: DriverDevice;
  readonly counters: GroupCounters;
  next = Number.POSITIVE_INFINITY;
  seq = 0;
  /** Connected now (a sleeping device counts as up between its reports). */
  isUp = false;
  /** Connected at least once: it sends on schedule from then on, and its sends while down are unsent. */
  everUp = false;
  /** Brings the device back after a lost connection. */
  readonly recovery: Recovery;
  /** Fleets whose Last Wills are received: the will group, and the wills the device triggered (kills). */
  private readonly willGroup: GroupPlan | undefined;
  kills = 0;
  /** This device's will stream, when its wills are received. */
  readonly willStream: number | undefined;
  private nextTime: (() => number) | undefined;
  private readonly random: Random;
  private readonly generate: ((ctx: PayloadContext, stamp: Stamp) => GeneratedPayload) | undefined;
  /** Lateness, sends and acks, into the fleet's figures or the warm-up's (warm-split.ts). */
  private readonly split: SendSplit | undefined;
  /** Messages sent in the warm-up: the first `warmSent` sequence numbers (warm-window.ts). */
  warmSent = 0;
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
    readonly ctx: ShardContext,
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
    this.split = publish ? new SendSplit(ctx, group.name, this.counters) : undefined;
    const target = publish?.commandTo === undefined ? undefined : groupByName(ctx.plan, publish.commandTo);
    this.targetCount = target?.count ?? 1;
    // Spread commanders over the targets so they do not all address device 0 first.
    this.targetCursor = index % this.targetCount;
    if (publish) this.topic = targetRenderer(publish.topic, group.name, index, ctx.runId);
    this.replyTo = group.kind === 'command' ? replyTopic(ctx.runId, this.stream) : undefined;
    const driver = driverFor(group.protocol);
    const url = ctx.targets[group.target];
    if (!driver || url === undefined) throw new Error(`no driver or target for ${group.name}`);
    this.willGroup = group.will === undefined ? undefined : groupByName(ctx.plan, group.will);
    this.willStream = this.willGroup ? streamId(this.willGroup.index, index) : undefined;
    const init = {
      ...(this.willGroup ? { lastWill: () => stampNow(this.willStream as number, this.kills, ctx.stampKey) } : {}),
      url,
      index,
      fleet: group.name,
      runId: ctx.runId,
      clientId: this.clientId,
      options: group.options,
      connectTimeoutMs: ctx.plan.connectTimeoutMs,
      localAddress: sourceAddressOf(ctx.plan.sourceAddresses, index),
    };
    this.driver = driver.createDevice(
      this.topic && group.kind !== 'command' ? { ...init, resource: this.topic(0) } : init,
      this.events(),
    );
    this.sleeps = group.power?.session === 'sleep' && driver.transport === 'tcp';
    this.acknowledged = driver.acknowledges?.(group.options) ?? false;
    // A sleeping device opens a connection per report: a lost one is not reconnected between reports.
    this.recovery = new Recovery(this.sleeps ? false : group.reconnect, this.random, this.counters, {
      attempt: () => this.reconnect(),
      back: (downUs) => {
        this.counters.reconnects++;
        ctx.recorder.record(group.name, HistogramKind.reconnect, downUs);
      },
    });
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
      this.everUp = true;
      return true;
    }
    try {
      const us = await this.driver.connect();
      recorder.record(this.group.name, HistogramKind.connect, us);
      this.counters.connects++;
      recorder.setConnected(this.group.name, 1);
      this.isUp = true;
      this.everUp = true;
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
    if (!publish || !this.everUp) return;
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

  /** One scheduled send at `intendedUs`; the intended time its stamp carries when sent now (not for sleepers). */
  fire(intendedUs: number): number | undefined {
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
    return this.send(intendedUs);
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
    this.split?.late(intendedUs, wokeUs);
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
    if (this.send(intendedUs, false) !== undefined && this.acknowledged) await acked;
    clearTimeout(timer);
    this.ackWaiter = undefined;
    await this.driver.close();
    recorder.setConnected(name, -1);
  }

  /** Builds and sends one stamped message: its stamp's intended time, min(intended, sent) (send-loop.ts); undefined if not sent. */
  private send(intendedUs: number, checkLate = true): number | undefined {
    const c = this.counters;
    const sentUs = nowUs();
    if (checkLate) this.split?.late(intendedUs, sentUs);
    if (!this.isUp) {
      // Down after a lost connection: the reading is not sent, and not expected anywhere.
      c.unsent++;
      return undefined;
    }
    const stamp: Stamp = { stream: this.stream, seq: this.seq, intendedUs: Math.min(intendedUs, sentUs), sentUs };
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
      return undefined;
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
    if (outcome === 'not_connected') {
      // The connection died and its loss is not reported yet.
      c.unsent++;
      return undefined;
    }
    if (outcome !== 'sent') {
      c.dropped++;
      this.ctx.recorder.code(this.group.name, RUN_CODES.keys.dropped[outcome]);
      return undefined;
    }
    this.seq++;
    if (this.split?.sent(stamp.intendedUs)) this.warmSent++;
    return stamp.intendedUs;
  }

  /** The connection is gone (`cause`): counted, and the device comes back by its reconnect policy. */
  private lose(cause: DisconnectCauseCode, immediate = false): void {
    this.counters.disconnects++;
    this.ctx.recorder.code(this.group.name, RUN_CODES.keys.lost[cause]);
    // A sleeping device's report cycle closes (and un-gauges) its connection; the next one connects anew.
    if (this.sleeps) return;
    if (this.isUp) this.ctx.recorder.setConnected(this.group.name, -1);
    this.isUp = false;
    this.recovery.lost(immediate);
  }

  /**
   * A scripted fault: drop the connection, ungracefully (`kill`: no goodbye, the broker publishes
   * the Last Will) or gracefully, and come back by the reconnect policy, at once when `immediate`
   * (a reconnect storm). False when the device was not connected (or is asleep between reports).
   */
  async inject(kind: 'kill' | 'disconnect', immediate = false): Promise<boolean> {
    if (!this.isUp || this.sleeps) return false;
    this.counters.faulted++;
    if (kind === 'kill') {
      this.driver.kill();
      if (this.willGroup) {
        // The server publishes this connection's will, stamped with this kill's number.
        this.kills++;
        this.ctx.recorder.of(this.willGroup.name).sent++;
      }
      this.lose('injected_kill', immediate);
      return true;
    }
    // Marked down first: sends during the goodbye are unsent, and the reconnect waits for it.
    this.ctx.recorder.setConnected(this.group.name, -1);
    this.isUp = false;
    await this.driver.close();
    this.lose('injected_disconnect', immediate);
    return true;
  }

  /** One reconnect attempt: connect again (the driver resumes its session), then resubscribe. */
  private async reconnect(): Promise<boolean> {
    const { recorder } = this.ctx;
    const name = this.group.name;
    try {
      await this.driver.connect();
    } catch (err) {
      recorder.error(name, errorKey(err), errorMessage(err));
      return false;
    }
    this.isUp = true;
    recorder.setConnected(name, 1);
    const filters = this.filters();
    try {
      if (filters.length > 0) await this.driver.subscribe(filters);
    } catch (err) {
      recorder.error(name, errorKey(err), errorMessage(err));
    }
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
      onMessage: (m) => receive(this, m),
      onAck: (message, ackUs) => {
        if (message.isReply) return;
        this.ackWaiter?.();
        this.split?.acked(message.stamp, ackUs);
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
      onDisconnect: (key, message, cause) => {
        recorder.error(name, key, message);
        this.lose(cause);
      },
    };
  }
}
