// Why a device's connection went away, reported once per loss: a FIN, a reset, a keepalive
// the broker stopped answering (a tapping forwarder in front of the machine's Mosquitto does
// each). Plus the Last Will of each connection, stamped and on the device's own topic, and
// exact byte counts across reconnects. (No broker here sends an MQTT 5 DISCONNECT: Mosquitto
// 2.0.11 closes without one on takeover and shutdown, RabbitMQ's plugin speaks 3.1.1; the
// classification of one is unit-tested in test/unit/mqtt-loss.test.ts.)
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeStamp, STAMP_BYTES, type Stamp, writeStamp } from '../../src/metrics/stamp.ts';
import { MOSQUITTO_URL } from '../helpers/brokers.ts';
import { uniq } from '../helpers/devices.ts';
import { recordedDevice } from '../helpers/mqtt-recorder.ts';
import { type MqttTap, mqttTap } from '../helpers/mqtt-tap.ts';
import { waitFor } from '../helpers/wait.ts';

const MOSQUITTO_PORT = Number(new URL(MOSQUITTO_URL).port);

describe('MQTT connection loss', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function tapped(): Promise<MqttTap> {
    const tap = await mqttTap(MOSQUITTO_PORT);
    cleanup.push(() => tap.close());
    return tap;
  }

  for (const [how, cause] of [
    ['fin', 'closed'],
    ['reset', 'reset'],
  ] as const) {
    it(`reports a connection ended by a ${how === 'fin' ? 'FIN' : 'reset'} once, as '${cause}'`, async () => {
      const tap = await tapped();
      const dev = recordedDevice(tap.url, `fb-loss-${uniq()}`, { qos: 1 });
      await dev.device.connect();
      tap.cut(how);
      await waitFor(() => dev.disconnects.length > 0, { what: 'the loss' });
      expect(dev.disconnects).toEqual([
        { key: 'mqtt.connection_lost', message: expect.stringMatching(how === 'fin' ? /closed/ : /reset/), cause },
      ]);
      expect(dev.device.connected).toBe(false);
      expect(dev.errors).toEqual([]);
      // connect() on the same device: a new connection, and a loss of it is reported again.
      await dev.device.connect();
      expect(dev.device.connected).toBe(true);
      tap.cut(how);
      await waitFor(() => dev.disconnects.length === 2, { what: 'the second loss' });
      expect(dev.disconnects[1]?.cause).toBe(cause);
    });
  }

  it("reports a broker that stops answering PINGREQ as 'keepalive_timeout' (§3.1.2.10)", async () => {
    const tap = await tapped();
    const dev = recordedDevice(tap.url, `fb-ka-${uniq()}`, { keepalive: '1s' });
    await dev.device.connect();
    tap.mute(true);
    await waitFor(() => dev.disconnects.length > 0, { what: 'the keepalive timeout' });
    expect(dev.disconnects).toEqual([
      { key: 'mqtt.keepalive_timeout', message: expect.stringContaining('PINGRESP'), cause: 'keepalive_timeout' },
    ]);
    expect(tap.up.some((p) => p.type === 'pingreq')).toBe(true);
    expect(dev.errors).toEqual([]);
  });

  it('counts exact bytes on the wire across reconnects', async () => {
    const tap = await tapped();
    const topic = `fbtest/bytes/${uniq()}`;
    const dev = recordedDevice(tap.url, `fb-rebytes-${uniq()}`, { qos: 1 });
    for (let round = 0; round < 3; round++) {
      await dev.device.connect();
      for (let i = 0; i < 3; i++) dev.send(topic, round * 10 + i);
      await waitFor(() => dev.acks.size === 3 * (round + 1), { what: `acks of round ${round}` });
      await dev.device.close();
    }
    await waitFor(() => tap.bytes.up === dev.device.bytes.sent, {
      what: 'the bytes sent at the tap',
      detail: () => [tap.bytes, dev.device.bytes],
    });
    expect(dev.device.bytes.received).toBe(tap.bytes.down);
    expect(dev.device.wire.connections).toBe(3);
  });
});

describe('MQTT Last Will per connection', () => {
  let watcher: MqttClient | undefined;
  afterEach(async () => {
    await watcher?.endAsync(true);
  });

  it("publishes each connection's fresh stamp before the will payload, on the device's rendered topic [MQTT-3.1.2-8]", async () => {
    const runId = uniq();
    let seq = 0;
    const stamps: Stamp[] = [];
    const dev = recordedDevice(
      MOSQUITTO_URL,
      `fb-will-${uniq()}`,
      { will: { topic: 'fbtest/{fleet}/{run}/will/{id}', payload: 'gone', qos: 1 } },
      {
        fleet: 'wills',
        runId,
        index: 7,
        lastWill: () => {
          const stamp = { stream: 42, seq: ++seq, intendedUs: 1000 * seq, sentUs: 1000 * seq };
          stamps.push(stamp);
          const buf = Buffer.alloc(STAMP_BYTES);
          writeStamp(buf, stamp);
          return buf;
        },
      },
    );
    const got: { topic: string; payload: Buffer }[] = [];
    watcher = await connectAsync(MOSQUITTO_URL, { clientId: `fb-will-watch-${uniq()}`, reconnectPeriod: 0 });
    watcher.on('message', (topic, payload) => got.push({ topic, payload }));
    await watcher.subscribeAsync(`fbtest/wills/${runId}/will/+`, { qos: 1 });

    for (let round = 1; round <= 2; round++) {
      await dev.device.connect();
      dev.device.kill();
      await waitFor(() => got.length === round, { what: `will ${round}` });
    }
    expect(got.map((m) => m.topic)).toEqual([`fbtest/wills/${runId}/will/7`, `fbtest/wills/${runId}/will/7`]);
    expect(got.map((m) => decodeStamp(m.payload))).toEqual(stamps);
    expect(got.map((m) => m.payload.subarray(STAMP_BYTES).toString())).toEqual(['gone', 'gone']);
    expect(dev.disconnects).toEqual([]);
  });
});
