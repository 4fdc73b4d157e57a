// A device's MQTT session state on its side: the unacknowledged QoS 1/2 PUBLISH and PUBREL
// packets it sent (outgoing) and the QoS 2 PUBLISH packets it received but not yet released
// (incoming), kept across its connections. Each connection gets a new MQTT.js client; the same
// stores are handed to every one of them, and MQTT.js replays the outgoing store after CONNACK.
import { Readable } from 'node:stream';
import type { IStore } from 'mqtt';
import type { Packet } from 'mqtt-packet';

type PacketCallback = Parameters<IStore['get']>[1];
type StoreStream = ReturnType<IStore['createStream']>;

export class SessionStore implements IStore {
  private readonly packets = new Map<number, Packet>();

  /**
   * @param replayAsDup mark PUBLISH packets read back for a replay as duplicates: MQTT.js 5.16
   * resends stored publishes as they were first written (DUP=0), but a PUBLISH sent again must
   * carry DUP=1 ([MQTT-3.3.1-1], [MQTT-4.4.0-1]). PUBREL has no DUP flag (its fixed header
   * flags are 0010, [MQTT-3.6.1-1]) and is replayed as it is.
   */
  constructor(private readonly replayAsDup = false) {}

  get size(): number {
    return this.packets.size;
  }

  has(messageId: number): boolean {
    return this.packets.has(messageId);
  }

  /** Forgets everything: the broker has no session to resume (clean start, or session present = 0). */
  clear(): void {
    this.packets.clear();
  }

  put(packet: Packet, cb: () => void): this {
    const id = (packet as { messageId?: number }).messageId;
    if (id !== undefined) this.packets.set(id, packet);
    cb();
    return this;
  }

  get(packet: Pick<Packet, 'messageId'>, cb: PacketCallback): this {
    const stored = packet.messageId === undefined ? undefined : this.packets.get(packet.messageId);
    if (stored) cb(undefined, stored);
    else cb(new Error('missing packet'));
    return this;
  }

  del(packet: Pick<Packet, 'messageId'>, cb: PacketCallback): this {
    const stored = packet.messageId === undefined ? undefined : this.packets.get(packet.messageId);
    if (stored && packet.messageId !== undefined) {
      this.packets.delete(packet.messageId);
      cb(undefined, stored);
    } else cb(new Error('missing packet'));
    return this;
  }

  /** The stored packets in the order they were first sent (a Map keeps insertion order), for MQTT.js's replay. */
  createStream(): StoreStream {
    const replay = [...this.packets.values()].map((p) =>
      this.replayAsDup && p.cmd === 'publish' ? { ...p, dup: true } : p,
    );
    let i = 0;
    const stream = new Readable({
      objectMode: true,
      read() {
        this.push(i < replay.length ? replay[i++] : null);
      },
    });
    // MQTT.js reads it with read(1), 'readable', 'end' and destroy(), which node:stream's
    // Readable has; its declared type is readable-stream's, which is not a dependency of ours.
    return stream as unknown as StoreStream;
  }

  /** MQTT.js closes its stores when a client ends; the session outlives the client, so nothing is dropped here. */
  close(cb: () => void): void {
    cb();
  }
}
