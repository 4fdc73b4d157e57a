// What a device keeps of its MQTT session between connections: the stores it replays after
// CONNACK, and which of its own stamped messages are still unacknowledged, by packet
// identifier, so the ack of a publish resent on the next connection is matched to the original
// message. Every collection is made on first use: an idle QoS 0 device holds none.
import type { OutgoingMessage } from '../driver.ts';
import type { ResolvedMqttOptions } from './options.ts';
import { SessionStore } from './store.ts';

/** What a CONNACK said about the session, as counted: `lost` when a session the device kept is gone. */
export type SessionState = 'present' | 'absent' | 'lost';

/**
 * Whether the broker keeps the device's session after the connection ends: 3.1.1 Clean
 * Session 0 ([MQTT-3.1.2-4]); 5.0 Clean Start 0 and a Session Expiry Interval above 0
 * (§3.1.2.11.2: an absent or 0 interval ends the session with the connection).
 */
export function keepsSession(o: ResolvedMqttOptions): boolean {
  if (o.clean) return false;
  return o.version === 4 || (o.sessionExpirySec ?? 0) > 0;
}

export class MqttSession {
  private out: SessionStore | undefined;
  private in: SessionStore | undefined;
  private subs: Set<string> | undefined;
  /** Packet identifier → the stamped message it carries, until its PUBACK or PUBCOMP. */
  private pending: Map<number, OutgoingMessage> | undefined;
  private connectedBefore = false;
  /** Session present in the last CONNACK: the broker still has our subscriptions. */
  resumed = false;

  constructor(readonly keeps: boolean) {}

  /** Our unacknowledged QoS 1/2 PUBLISH and PUBREL packets; publishes come back with DUP=1. */
  get outgoing(): SessionStore {
    this.out ??= new SessionStore(true);
    return this.out;
  }

  /** QoS 2 PUBLISH packets received and not yet released (PUBREL). */
  get incoming(): SessionStore {
    this.in ??= new SessionStore();
    return this.in;
  }

  /** Topic filters subscribed in this session; a resumed session still holds them (§4.1). */
  get subscribed(): Set<string> {
    this.subs ??= new Set();
    return this.subs;
  }

  /** Stamped QoS 1/2 messages sent and not acknowledged yet: the in-flight window's fill. */
  get inflight(): number {
    return this.pending?.size ?? 0;
  }

  track(messageId: number, message: OutgoingMessage): void {
    this.pending ??= new Map();
    this.pending.set(messageId, message);
  }

  /** Whether a packet identifier carries one of our stamped messages, still unacknowledged. */
  tracks(messageId: number | undefined): boolean {
    return messageId !== undefined && this.pending?.has(messageId) === true;
  }

  /** Whether a packet identifier is taken: in flight, stored, or held from the broker. */
  uses(messageId: number): boolean {
    return this.pending?.has(messageId) === true || this.out?.has(messageId) === true;
  }

  /** The message an ack (or a failure) ends, once; undefined when the identifier is not one of ours. */
  settle(messageId: number | undefined): OutgoingMessage | undefined {
    if (messageId === undefined || !this.pending) return undefined;
    const message = this.pending.get(messageId);
    this.pending.delete(messageId);
    return message;
  }

  /**
   * A successful CONNACK, before the device replays the outgoing store. Without a session to
   * resume, the messages still in flight are not resent: their count is returned (in doubt)
   * and the stores start empty. With one, they are resent ([MQTT-4.4.0-1]); a message whose
   * packet is not in the store (it never reached it) cannot be, and is in doubt too.
   */
  connack(sessionPresent: boolean): { state: SessionState; inDoubt: number } {
    const askedToResume = this.keeps && this.connectedBefore;
    this.connectedBefore = true;
    this.resumed = sessionPresent && this.keeps;
    if (!this.resumed) {
      // §3.2.2.2 Session Present 0: the broker holds nothing of an earlier session, neither
      // its in-flight messages nor its subscriptions.
      return { state: askedToResume ? 'lost' : 'absent', inDoubt: this.forget() };
    }
    let inDoubt = 0;
    if (!this.pending) return { state: 'present', inDoubt };
    for (const id of this.pending.keys())
      if (!this.out?.has(id)) {
        this.pending.delete(id);
        inDoubt++;
      }
    return { state: 'present', inDoubt };
  }

  /**
   * The connection died or was killed: returns how many messages in flight will not be resent.
   * A kept session keeps them for the next connection; otherwise they are forgotten now.
   */
  lost(): number {
    return this.keeps ? 0 : this.forget();
  }

  private forget(): number {
    const n = this.inflight;
    this.pending?.clear();
    this.out?.clear();
    this.in?.clear();
    this.subs?.clear();
    return n;
  }
}
