// What a receiver does with a message, whether in a worker (a device) or in the main thread (an
// embedded server's sink): keep it when it is this run's, and record its latency and delivery.
import type { GroupPlan, Plan } from '../dsl/plan.ts';
import type { GroupCounters } from '../metrics/counters.ts';
import type { DeliveryBook } from '../metrics/delivery.ts';
import { HistogramKind, pairKey } from '../metrics/names.ts';
import type { Recorder } from '../metrics/recorder.ts';
import type { SeqOutcome } from '../metrics/sequence.ts';
import { decodeStamp, type Stamp, streamFleet } from '../metrics/stamp.ts';
import type { ReceivedMessage } from '../protocols/driver.ts';
import { warmKind } from './warm-window.ts';

const STALE_TOLERANCE_US = 1000;

/**
 * Nothing of this run is sent before the common start (`startUs`, 0 until it is known): an
 * older stamp (a message retained by an earlier run, or queued for a persistent session) must
 * not count as a delivery. The first send, intended at the start, may go out (and be stamped)
 * up to 250 µs early (send-loop.ts EARLY_SLACK_US); a millisecond of tolerance is far below any earlier
 * run's age. Nor is anything received before it was meant to be sent: another run's stamp,
 * read with this run's key (metrics/stamp.ts runKey), gives a time almost surely outside
 * [start, now].
 */
export function fromThisRun(intendedUs: number, startUs: number, receivedUs: number): boolean {
  return startUs > 0 && intendedUs >= startUs - STALE_TOLERANCE_US && intendedUs <= receivedUs + STALE_TOLERANCE_US;
}

/**
 * A Last Will is stamped when its connection opens, before the send phase starts or long before
 * the drop that publishes it: it must only not be from the future, nor older than a day (a
 * foreign stamp read with this run's key lands there about once in 10⁵).
 */
const WILL_AGE_US = 86_400_000_000;
function willOfThisRun(intendedUs: number, _startUs: number, receivedUs: number): boolean {
  return intendedUs <= receivedUs + STALE_TOLERANCE_US && intendedUs >= receivedUs - WILL_AGE_US;
}

/** Counts a received message; returns its stamp and sender when it is this run's, else counts it unstamped. */
export function acceptStamped(
  plan: Plan,
  startUs: number,
  stampKey: number,
  counters: GroupCounters,
  m: ReceivedMessage,
): { stamp: Stamp; from: GroupPlan } | undefined {
  counters.received++;
  const stamp = decodeStamp(m.payload, stampKey);
  const from = stamp ? plan.groups[streamFleet(stamp.stream)] : undefined;
  if (
    !stamp ||
    !from ||
    !(from.kind === 'will' ? willOfThisRun : fromThisRun)(stamp.intendedUs, startUs, m.receivedUs)
  ) {
    counters.unstamped++;
    return undefined;
  }
  return { stamp, from };
}

/**
 * A stamped message at receiver `device` of group `to`: end-to-end latency (corrected and
 * service, unless not `timed`) and delivery. A warm-up message (`warm`, warm-window.ts) is
 * timed under the warm-up's kinds; the caller hands it the warm-up's book.
 */
export function recordDelivery(
  recorder: Recorder,
  book: DeliveryBook,
  from: GroupPlan,
  to: GroupPlan,
  device: number,
  stamp: Stamp,
  receivedUs: number,
  timed = true,
  warm = false,
): SeqOutcome {
  const pair = pairKey(from.name, to.name);
  // A will's stamp tells when its connection opened, not when it was dropped: no latency.
  if (from.kind !== 'will' && timed) {
    recorder.record(pair, warm ? warmKind(HistogramKind.e2e) : HistogramKind.e2e, receivedUs - stamp.intendedUs);
    recorder.record(
      pair,
      warm ? warmKind(HistogramKind.e2eService) : HistogramKind.e2eService,
      receivedUs - stamp.sentUs,
    );
  }
  return book.record(from, to, to.receiverMode, device, stamp.stream, stamp.seq);
}
