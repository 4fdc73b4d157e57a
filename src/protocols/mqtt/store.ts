// A device's MQTT session state on its side: the unacknowledged QoS 1/2 PUBLISH and PUBREL
// packets it sent (outgoing) and the QoS 2 PUBLISH packets it received but not yet released
// (incoming), kept across its connections and resent after a CONNACK with session present.
// The map behind a store is made on first use: a QoS 0 device never has one.
import type { Packet } from 'mqtt-packet';

export class SessionStore {
  private packets: Map<number, Packet> | undefined;

  /**
   * @param replayAsDup mark PUBLISH packets read back for a replay as duplicates: a PUBLISH sent
   * again must carry DUP=1 ([MQTT-3.3.1-1], [MQTT-4.4.0-1]). PUBREL has no DUP flag (its fixed
   * header flags are 0010, [MQTT-3.6.1-1]) and is replayed as it is.
   */
  constructor(private readonly replayAsDup = false) {}

  get size(): number {
    return this.packets?.size ?? 0;
  }

  has(messageId: number): boolean {
    return this.packets?.has(messageId) === true;
  }

  /** Forgets everything: the broker has no session to resume (clean start, or session present = 0). */
  clear(): void {
    this.packets?.clear();
  }

  /** Stores a packet under its identifier; a PUBREL replaces its PUBLISH and keeps its place in the order. */
  put(packet: Packet, cb?: () => void): this {
    const id = (packet as { messageId?: number }).messageId;
    if (id !== undefined) {
      this.packets ??= new Map();
      this.packets.set(id, packet);
    }
    cb?.();
    return this;
  }

  get(packet: Pick<Packet, 'messageId'>, cb?: (err: Error | undefined, packet?: Packet) => void): Packet | undefined {
    const stored = packet.messageId === undefined ? undefined : this.packets?.get(packet.messageId);
    cb?.(stored ? undefined : new Error('missing packet'), stored);
    return stored;
  }

  del(packet: Pick<Packet, 'messageId'>, cb?: (err: Error | undefined, packet?: Packet) => void): Packet | undefined {
    const stored = this.get(packet);
    if (stored && packet.messageId !== undefined) this.packets?.delete(packet.messageId);
    cb?.(stored ? undefined : new Error('missing packet'), stored);
    return stored;
  }

  /** The stored packets in the order they were first sent (a Map keeps insertion order), as they are resent. */
  replay(): Packet[] {
    if (!this.packets) return [];
    return [...this.packets.values()].map((p) => (this.replayAsDup && p.cmd === 'publish' ? { ...p, dup: true } : p));
  }

  /** The session outlives a connection: closing one drops nothing here. */
  close(cb: () => void): void {
    cb();
  }
}
