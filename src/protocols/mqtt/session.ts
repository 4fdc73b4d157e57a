// What a device keeps of its MQTT session between connections: the stores MQTT.js replays
// after CONNACK, and which of its own stamped messages are still unacknowledged, by packet
// identifier. MQTT.js's publish callback dies with the client that sent the message; the ack of
// a publish resent by the next client is matched here, to the original message.
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
  /** Our unacknowledged QoS 1/2 PUBLISH and PUBREL packets; publishes come back with DUP=1. */
  readonly outgoing = new SessionStore(true);
  /** QoS 2 PUBLISH packets received and not yet released (PUBREL). */
  readonly incoming = new SessionStore();
  /** Packet identifier → the stamped message it carries, until its PUBACK or PUBCOMP. */
  private readonly pending = new Map<number, OutgoingMessage>();
  private connectedBefore = false;
  /** Session present in the last CONNACK: the broker still has our subscriptions. */
  resumed = false;
  /** Topic filters subscribed in this session; a resumed session still holds them (§4.1). */
  readonly subscribed = new Set<string>();

  constructor(readonly keeps: boolean) {}

  /** Stamped QoS 1/2 messages sent and not acknowledged yet: the in-flight window's fill. */
  get inflight(): number {
    return this.pending.size;
  }

  track(messageId: number, message: OutgoingMessage): void {
    this.pending.set(messageId, message);
  }

  /** Whether a packet identifier carries one of our stamped messages, still unacknowledged. */
  tracks(messageId: number | undefined): boolean {
    return messageId !== undefined && this.pending.has(messageId);
  }

  /** The message an ack (or a failure) ends, once; undefined when the identifier is not one of ours. */
  settle(messageId: number | undefined): OutgoingMessage | undefined {
    if (messageId === undefined) return undefined;
    const message = this.pending.get(messageId);
    this.pending.delete(messageId);
    return message;
  }

  /**
   * A successful CONNACK, before MQTT.js replays the outgoing store. Without a session to
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
    for (const id of this.pending.keys())
      if (!this.outgoing.has(id)) {
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
    const n = this.pending.size;
    this.pending.clear();
    this.outgoing.clear();
    this.incoming.clear();
    this.subscribed.clear();
    return n;
  }
}
