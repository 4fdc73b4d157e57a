// CoAP → MQTT: a bounded queue drained into one MQTT.js client with a bounded in-flight
// window. A message counts as forwarded when its QoS flow completes (PUBACK for QoS 1 §4.3.2,
// PUBCOMP for QoS 2 §4.3.3, written to the socket for QoS 0); an MQTT 5 reason code ≥ 0x80
// counts as failed. While the client is disconnected nothing is sent: the queue holds
// messages and refuses (counts) what does not fit.
import type { MqttClient } from 'mqtt';
import { formatHex } from '../base/format.ts';
import { BoundedQueue } from './queue.ts';
import { PathCounters } from './stats.ts';

export interface OutMessage {
  topic: string;
  payload: Buffer;
}

export class MqttPublisher {
  readonly queue: BoundedQueue<OutMessage>;
  readonly counters: PathCounters;
  private stopped = false;
  private pumping = false;

  constructor(
    readonly client: MqttClient,
    private readonly options: { qos: 0 | 1 | 2; inflight: number; capacity: number },
  ) {
    this.queue = new BoundedQueue(options.capacity);
    this.counters = new PathCounters(this.queue);
    client.on('connect', () => this.pump());
  }

  /** Takes a message the caller checked there is room for (queue.free > 0). */
  enqueue(m: OutMessage): void {
    this.counters.received++;
    this.queue.offer(m);
    this.pump();
  }

  /** Counts everything still queued or in flight as abandoned and ignores later outcomes. */
  abandon(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.counters.abandoned += this.queue.clear() + this.counters.inFlight;
    this.counters.inFlight = 0;
  }

  private pump(): void {
    // MQTT.js completes QoS 0 publishes synchronously inside publish(): the running loop goes on.
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.drainQueue();
    } finally {
      this.pumping = false;
    }
  }

  private drainQueue(): void {
    const c = this.counters;
    while (!this.stopped && this.client.connected && c.inFlight < this.options.inflight) {
      const m = this.queue.poll();
      if (!m) return;
      c.inFlight++;
      this.client.publish(m.topic, m.payload, { qos: this.options.qos }, (err) => {
        if (this.stopped) return;
        c.inFlight--;
        if (err) {
          c.failed++;
          const code = (err as { code?: unknown }).code;
          c.count(typeof code === 'number' ? `reason_${formatHex(code)}` : 'error');
        } else c.forwarded++;
        this.pump();
      });
    }
  }
}
