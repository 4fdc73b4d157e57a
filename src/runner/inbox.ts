// What a device does with what it receives: delivery accounting for the messages of this run,
// round trips for command replies, and an actuator's answer to a command.

import type { GroupPlan } from '../dsl/plan.ts';
import { RUN_CODES } from '../metrics/codes.ts';
import type { GroupCounters } from '../metrics/counters.ts';
import { HistogramKind } from '../metrics/names.ts';
import { STAMP_BYTES, type Stamp, writeStamp } from '../metrics/stamp.ts';
import type { DriverDevice, OutgoingMessage, ReceivedMessage } from '../protocols/driver.ts';
import type { ShardContext } from './context.ts';
import { acceptStamped, recordDelivery } from './receipts.ts';
import { replyTopic } from './topics.ts';
import { receivedInWarmup } from './warm-split.ts';
import { warmKind } from './warm-window.ts';
import { deliveredOnReturn, duringOffline } from './windows.ts';

/** The device as its inbox sees it. */
export interface Receiver {
  readonly group: GroupPlan;
  readonly index: number;
  readonly clientId: string;
  readonly counters: GroupCounters;
  readonly driver: DriverDevice;
  readonly ctx: ShardContext;
}

export function receive(d: Receiver, m: ReceivedMessage): void {
  const c = d.counters;
  const { recorder } = d.ctx;
  const stamped = acceptStamped(d.ctx.plan, d.ctx.acceptFromUs || d.ctx.startUs, d.ctx.stampKey, c, m);
  if (!stamped) return;
  const { stamp, from } = stamped;
  // A Last Will's stamp tells when its connection opened: it belongs to no window.
  const warm = from.kind !== 'will' && receivedInWarmup(d.ctx, d.group.name, c, stamp.intendedUs);
  const kind = (k: string): string => (warm ? warmKind(k) : k);
  if (d.group.kind === 'command') {
    // A reply echoing one of our commands: the round trip closes here. Replies of protocols
    // with correlation data echo it too (ReceivedMessage.correlation): it must name the same command.
    c.repliesReceived++;
    if (m.correlation) {
      const matches =
        m.correlation.length === 8 &&
        m.correlation.readUInt32BE(0) === stamp.stream &&
        m.correlation.readUInt32BE(4) === stamp.seq;
      recorder.code(
        d.group.name,
        matches ? RUN_CODES.keys.reply.correlated : RUN_CODES.keys.reply.correlation_mismatch,
      );
    } else recorder.code(d.group.name, RUN_CODES.keys.reply.uncorrelated);
    recorder.record(d.group.name, kind(HistogramKind.rtt), m.receivedUs - stamp.intendedUs);
    recorder.record(d.group.name, kind(HistogramKind.rttService), m.receivedUs - stamp.sentUs);
    return;
  }
  if (m.retained) {
    // From the server's retained store on subscribing: a delivery of its own kind, not a
    // duplicate or a reorder of the live stream, and its age is not a latency.
    d.ctx.book.note(from, d.group, d.group.receiverMode, 'retained');
    return;
  }
  // An observer offline on purpose: what was due meanwhile is what its kept session owes it
  // (counted by the sender's planned window, windows.ts), and what arrived on its return is a
  // delivery whose age is the offline phase, not a latency.
  const start = d.ctx.startUs;
  const timed = !deliveredOnReturn(d.group, start, stamp.intendedUs, m.receivedUs);
  const book = warm ? d.ctx.warmBook : d.ctx.book;
  const outcome = recordDelivery(recorder, book, from, d.group, d.index, stamp, m.receivedUs, timed, warm);
  if (outcome !== 'duplicate' && duringOffline(d.group, start, stamp.intendedUs))
    book.note(from, d.group, d.group.receiverMode, 'sessionQueued');
  if (d.group.reply && from.kind === 'command') reply(d, m, stamp);
}

function reply(d: Receiver, m: ReceivedMessage, stamp: Stamp): void {
  // Answer on the reply address the command gave, echoing its correlation data (the driver maps
  // both to its protocol's fields); without one, the reply topic is derived from the command's stream.
  const payload = Buffer.allocUnsafe(STAMP_BYTES);
  writeStamp(payload, stamp, 0, d.ctx.stampKey);
  const message: OutgoingMessage = {
    topic: m.replyTo ?? replyTopic(d.ctx.runId, stamp.stream),
    payload,
    stamp,
    isReply: true,
  };
  if (m.correlation) message.correlation = m.correlation;
  if (d.driver.send(message) === 'sent') d.counters.repliesSent++;
  else
    d.ctx.recorder.error(
      d.group.name,
      'reply_not_sent',
      `${d.clientId}: could not send a reply (in-flight window full or disconnected)`,
    );
}
