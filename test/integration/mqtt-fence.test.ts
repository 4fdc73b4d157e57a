// The QoS 0 read fence (src/protocols/mqtt/connection.ts): a PINGREQ behind unconfirmed QoS 0
// publishes whose PINGRESP shows the broker read them (§3.12, §3.13). A tapping forwarder in
// front of Mosquitto withholds the broker's answers to keep the fence closed.
import { afterEach, describe, expect, it } from 'vitest';
import { FENCE_BYTES, MIN_FENCE_BYTES, WORKER_FENCE_BYTES } from '../../src/protocols/mqtt/connection.ts';
import { MOSQUITTO_URL } from '../helpers/brokers.ts';
import { stamp, uniq } from '../helpers/devices.ts';
import { recordedDevice } from '../helpers/mqtt-recorder.ts';
import { type MqttTap, mqttTap } from '../helpers/mqtt-tap.ts';
import { waitFor } from '../helpers/wait.ts';

const PAYLOAD = Buffer.alloc(20 * 1024, 0x61);

describe('MQTT QoS 0 read fence', () => {
  let tap: MqttTap;
  afterEach(async () => {
    await tap.close();
  });

  /** Sends 20 KiB QoS 0 publishes until the device refuses one (at most 40); returns how many went out. */
  function fill(send: () => string): number {
    let sent = 0;
    for (let i = 0; i < 40; i++) {
      const outcome = send();
      if (outcome !== 'sent') {
        expect(outcome).toBe('backpressure');
        break;
      }
      sent++;
    }
    return sent;
  }

  it('refuses QoS 0 sends past 256 KiB until the PINGRESP, and reports what stayed unread at close', async () => {
    tap = await mqttTap(Number(new URL(MOSQUITTO_URL).port));
    const dev = recordedDevice(tap.url, `fb-fence-${uniq()}`, { qos: 0 });
    await dev.device.connect();
    tap.mute(true);
    const topic = `fbtest/fence/${uniq()}`;
    const send = () => dev.device.send({ topic, payload: PAYLOAD, stamp: stamp() });
    // §3.3: 1 + a 3-byte Remaining Length + 2 + topic + payload.
    const publish = 1 + 3 + 2 + topic.length + PAYLOAD.length;
    // 256 KiB / (20 KiB + headers) = 12.8: the 13th publish crosses the limit and is followed by the fence.
    const sent = fill(send);
    expect(sent).toBe(13);
    await waitFor(() => tap.up.some((p) => p.type === 'pingreq'), { what: 'the fence at the tap' });
    await dev.device.close();
    expect(dev.device.unread).toEqual({ messages: 13, bytes: 13 * publish });
    expect(tap.up.filter((p) => p.type === 'publish')).toHaveLength(13);
    expect(dev.device.wire.tx.keepalive).toEqual({ packets: 1, bytes: 2 });
    expect(dev.disconnects).toEqual([]);
  });

  it('opens again at the PINGRESP, and a close after a confirmed fence leaves nothing unread', async () => {
    tap = await mqttTap(Number(new URL(MOSQUITTO_URL).port));
    const dev = recordedDevice(tap.url, `fb-fence-${uniq()}`, { qos: 0 });
    await dev.device.connect();
    const topic = `fbtest/fence/${uniq()}`;
    const send = () => dev.device.send({ topic, payload: PAYLOAD, stamp: stamp() });
    // Sent in one turn: the fence closes before the broker can answer it.
    expect(fill(send)).toBe(13);
    await waitFor(() => send() === 'sent', { what: 'the fence to open' });
    await dev.device.close();
    expect(dev.device.unread).toBeUndefined();
    await waitFor(() => tap.up.at(-1)?.type === 'disconnect', { what: 'the DISCONNECT at the tap' });
    // The first fence, and the close's fence behind the last publish, each answered.
    expect(tap.up.filter((p) => p.type === 'pingreq')).toHaveLength(2);
    expect(tap.down.filter((p) => p.type === 'pingresp')).toHaveLength(2);
    const up = tap.up.map((p) => p.type);
    expect(up.slice(-2)).toEqual(['pingreq', 'disconnect']);
    await waitFor(() => tap.bytes.up === dev.device.bytes.sent, { what: 'every byte at the tap' });
    expect(dev.device.wire.tx.keepalive).toEqual({ packets: 2, bytes: 4 });
  });

  it('fences every 8 KiB once the worker as a whole holds 2 MiB unconfirmed', async () => {
    tap = await mqttTap(Number(new URL(MOSQUITTO_URL).port));
    const devices = Array.from({ length: 12 }, (_, i) =>
      recordedDevice(tap.url, `fb-fence-${uniq()}-${i}`, { qos: 0 }),
    );
    for (const d of devices) await d.device.connect();
    tap.mute(true);
    const topic = `fbtest/fence/${uniq()}`;
    const counts = devices.map((d) => fill(() => d.device.send({ topic, payload: PAYLOAD, stamp: stamp() })));
    // 256 KiB each while the worker holds less than 2 MiB; after that a single 20 KiB publish
    // (past 8 KiB) closes a device's fence.
    expect(counts[0]).toBe(Math.floor(FENCE_BYTES / PAYLOAD.length) + 1);
    expect(counts.slice(-3)).toEqual([1, 1, 1].map(() => Math.floor(MIN_FENCE_BYTES / PAYLOAD.length) + 1));
    await Promise.all(devices.map((d) => d.device.close()));
    const unread = devices.reduce((n, d) => n + (d.device.unread?.messages ?? 0), 0);
    expect(unread).toBe(counts.reduce((a, b) => a + b, 0));
    // Without the worker's budget, 12 × 256 KiB would be out; with it, at most the budget, one
    // device's window and one publish per device.
    const bytes = devices.reduce((n, d) => n + (d.device.unread?.bytes ?? 0), 0);
    expect(bytes).toBeLessThanOrEqual(WORKER_FENCE_BYTES + FENCE_BYTES + 12 * (PAYLOAD.length + 64));
  });
});
