// An observer device's observations (RFC 7641): registration, notifications with their
// sequence accounting, re-registration and deregistration. The device owns the socket and
// the request machinery; this module decides what to ask and what a notification means.
import { ErrorCodes, FleetbenchError } from '../../base/errors.ts';
import type { CodeKey } from '../../metrics/codes.ts';
import type { ReceivedMessage } from '../driver.ts';
import { decodeUint, isFresher, option, type ParsedPacket } from './codec.ts';
import { COAP_CODES } from './codes.ts';
import type { Peer } from './endpoint.ts';
import type { ResolvedCoapOptions } from './options.ts';
import { resolvePeer, splitResource } from './uri.ts';

const C = COAP_CODES.keys;

/** How long a closing observer waits for the last deregistrations to be answered. */
const DEREGISTER_WAIT_MS = 1000;

export interface Observation {
  url: string;
  path: string;
  peer: Peer;
  token: Buffer;
  /** The latest Observe number and when it arrived (§3.4), -1 before the registration. */
  lastSeq: number;
  lastAtMs: number;
  maxAgeMs: number;
  timer: NodeJS.Timeout | undefined;
  active: boolean;
  /** `deregisterAfter`: when the cancellation is due, and whether it is done (answered, or the RST sent). */
  cancelTimer?: NodeJS.Timeout;
  cancelled?: boolean;
}

/** What the observations need from their device. */
export interface ObserveHost {
  readonly options: ResolvedCoapOptions;
  readonly targetUrl: string;
  readonly connectTimeoutMs: number;
  nextToken(): Buffer;
  /** A GET with Observe: `value` and the observation's token; resolves with the first response, or undefined when unanswered. */
  request(obs: Observation, value: 0 | 1): Promise<ParsedPacket | undefined>;
  reset(messageId: number, peer: Peer): void;
  code(code: CodeKey, count?: number): void;
  deliver(message: ReceivedMessage): void;
}

export class Observations {
  private readonly byToken = new Map<string, Observation>();
  private closing = false;

  constructor(private readonly host: ObserveHost) {}

  get(tokenHex: string): Observation | undefined {
    return this.byToken.get(tokenHex);
  }

  /** A GET with Observe: 0 (§3.1), as a CON so it is retransmitted until the server (perhaps still starting) answers; bounded by the connect timeout. */
  async register(resource: string): Promise<void> {
    const { url, path } = splitResource(resource, this.host.targetUrl);
    const peer = await resolvePeer(url);
    const token = this.host.nextToken();
    const key = token.toString('hex');
    const obs: Observation = {
      url,
      path,
      peer,
      token,
      lastSeq: -1,
      lastAtMs: 0,
      maxAgeMs: 60_000,
      timer: undefined,
      active: true,
    };
    this.byToken.set(key, obs);
    const timeoutMs = this.host.connectTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    let response: ParsedPacket | undefined;
    // A registration whose retransmissions all went unanswered is sent again until the deadline.
    while (!response && Date.now() < deadline && !this.closing) {
      let timer: NodeJS.Timeout | undefined;
      response = await Promise.race([
        this.host.request(obs, 0),
        new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), deadline - Date.now()))),
      ]);
      clearTimeout(timer);
    }
    if (response?.code.startsWith('2.') && option(response, 'Observe') !== undefined) {
      this.host.code(C.observe.registered);
      obs.lastSeq = decodeUint(option(response, 'Observe'));
      obs.lastAtMs = Date.now();
      obs.maxAgeMs = maxAgeOf(response);
      this.armFreshness(obs);
      const after = this.host.options.deregisterAfterMs;
      if (after !== undefined) {
        obs.cancelTimer = setTimeout(() => this.cancel(obs), after);
        obs.cancelTimer.unref();
      }
      return;
    }
    this.byToken.delete(key);
    if (!response)
      throw new FleetbenchError(
        ErrorCodes.CONNECT_TIMEOUT,
        `cannot observe ${url}${path}: no answer within ${timeoutMs} ms`,
        { reasonCode: 'coap.timeout' },
      );
    const why = response.code.startsWith('2.')
      ? 'the server answered without Observe: the resource is not observable'
      : `the server answered ${response.code}`;
    throw new FleetbenchError(ErrorCodes.CONNECT_REJECTED, `cannot observe ${url}${path}: ${why}`, {
      reasonCode: response.code,
    });
  }

  notification(obs: Observation, packet: ParsedPacket, atUs: number): void {
    if (!obs.active) {
      // Reactive cancellation (§3.6): reject notifications we no longer want.
      this.host.reset(packet.messageId, obs.peer);
      this.host.code(C.observe.rst_sent);
      // `deregisterAfter`: the RST of a reactive cancellation ends it; anything later should not have come.
      if (obs.cancelled) this.host.code(C.observe.after_deregistration);
      else if (obs.cancelTimer !== undefined && this.host.options.deregister === 'rst') {
        obs.cancelled = true;
        this.host.code(C.observe.deregistered);
      }
      return;
    }
    if (!packet.code.startsWith('2.')) {
      // §3.2: an error notification ends the observation; register again.
      this.host.code(C.observe.ended_by_server);
      this.reregister(obs);
      return;
    }
    const seq = decodeUint(option(packet, 'Observe'));
    const now = Date.now();
    this.host.code(C.observe.notification);
    if (isFresher(obs.lastSeq, obs.lastAtMs, seq, now)) {
      const gap = (seq - obs.lastSeq - 1 + 0x1000000) % 0x1000000;
      // Sequence numbers the server skipped: notifications lost on the way (NON) or overtaken.
      if (obs.lastSeq >= 0 && gap > 0 && gap < 0x800000) this.host.code(C.observe.gap, gap);
      obs.lastSeq = seq;
      obs.lastAtMs = now;
    } else this.host.code(C.observe.stale);
    obs.maxAgeMs = maxAgeOf(packet);
    this.armFreshness(obs);
    this.host.deliver({ topic: obs.path, payload: packet.payload, receivedUs: atUs, retained: false });
  }

  /** Ends every observation as the fleet's `deregister` says, then stops all timers. */
  async close(): Promise<void> {
    this.closing = true;
    const all = [...this.byToken.values()].filter((o) => o.active);
    for (const o of this.byToken.values()) {
      clearTimeout(o.timer);
      clearTimeout(o.cancelTimer);
      o.active = false;
    }
    const mode = this.host.options.deregister;
    if (all.length === 0 || mode === 'none') return;
    const wait = new Promise<void>((r) => setTimeout(r, DEREGISTER_WAIT_MS).unref());
    // 'rst' (reactive, §3.6): the tokens are forgotten; the next notification of each gets RST.
    if (mode === 'rst') return wait;
    // 'get' (proactive, §3.6): GET with Observe: 1 and the registration's token.
    const deregistrations = all.map(async (o) => {
      const r = await this.host.request(o, 1);
      this.host.code(r ? C.observe.deregistered : C.observe.deregistration_unanswered);
    });
    await Promise.race([Promise.all(deregistrations), wait]);
  }

  /** Abrupt stop: timers only, nothing on the wire. */
  kill(): void {
    this.closing = true;
    for (const o of this.byToken.values()) {
      clearTimeout(o.timer);
      clearTimeout(o.cancelTimer);
    }
  }

  /**
   * `deregisterAfter` (§3.6): ends the observation mid-run and keeps the token known, so that a
   * notification still coming is rejected and counted. 'get' sends GET Observe: 1 at once; 'rst'
   * answers the next notification with RST (notification()).
   */
  private cancel(obs: Observation): void {
    if (this.closing || !obs.active) return;
    obs.active = false;
    clearTimeout(obs.timer);
    if (this.host.options.deregister !== 'get') return;
    void this.host.request(obs, 1).then((r) => {
      this.host.code(r ? C.observe.deregistered : C.observe.deregistration_unanswered);
      obs.cancelled = true;
    });
  }

  /** §3.3.1: re-register when Max-Age passes without a notification, or on the fleet's interval. */
  private armFreshness(obs: Observation): void {
    const every = this.host.options.reregisterMs;
    // On a fixed interval, notifications do not push the next re-registration back.
    if (every !== undefined && obs.timer !== undefined) return;
    clearTimeout(obs.timer);
    if (this.closing) return;
    obs.timer = setTimeout(
      () => {
        obs.timer = undefined;
        this.reregister(obs);
      },
      every ?? obs.maxAgeMs + 2000,
    );
    obs.timer.unref();
  }

  private reregister(obs: Observation): void {
    if (this.closing || !obs.active) return;
    this.host.code(C.observe.reregistration);
    // §3.3.1: a GET with Observe: 0 and the same token refreshes the registration.
    void this.host.request(obs, 0).then((r) => {
      if (!r?.code.startsWith('2.') || option(r, 'Observe') === undefined)
        this.host.code(C.observe.reregistration_failed);
      this.armFreshness(obs);
    });
  }
}

function maxAgeOf(packet: ParsedPacket): number {
  const v = option(packet, 'Max-Age');
  // RFC 7252 §5.10.5: Max-Age defaults to 60 seconds.
  return (v === undefined ? 60 : decodeUint(v)) * 1000;
}
