// NATS's MQTT gateway speaks MQTT 3.1.1 only. It answers an MQTT 5 CONNECT with a 3.1.1 CONNACK,
// return code 0x01 (unacceptable protocol version, §3.2.2.3): read as such, not with the 5.0
// table (where 0x01 would be "granted QoS 1"), and the refusal says which version to use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { ErrorCodes, FleetbenchError } from '../../src/base/errors.ts';
import { MqttDevice } from '../../src/protocols/mqtt/device.ts';
import { resolveMqttOptions } from '../../src/protocols/mqtt/options.ts';
import { uniq } from '../helpers/devices.ts';
import { type NatsMqtt, startNatsMqtt } from '../helpers/nats-mqtt.ts';
import { recorder } from '../helpers/recorder.ts';

let nats: NatsMqtt;
beforeAll(async () => {
  nats = await startNatsMqtt();
});
afterAll(() => nats?.stop());

function device(version: 4 | 5): MqttDevice {
  const options = resolveMqttOptions({ version, qos: 1 }, 'test', new Checker());
  if (!options) throw new Error('options');
  return new MqttDevice(
    { url: nats.url, index: 0, clientId: `fb-nats-${uniq()}`, options, connectTimeoutMs: 10_000 },
    recorder().events,
  );
}

describe('NATS MQTT gateway', () => {
  it('refuses MQTT 5 with a 3.1.1 return code, named as such, and suggests version 4', async () => {
    const err = await device(5)
      .connect()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(FleetbenchError);
    const e = err as FleetbenchError;
    expect(e.code).toBe(ErrorCodes.CONNECT_REJECTED);
    expect(e.message).toContain(
      'broker refused the connection: unacceptable protocol version (3.1.1 return code 0x01); the broker answered an MQTT 5 CONNECT with an MQTT 3.1.1 CONNACK: it speaks 3.1.1 only; set version: 4 (or 3.1.1)',
    );
    expect(e.message).not.toContain('granted QoS');
  });

  it('accepts the same device with version 4', async () => {
    const d = device(4);
    await expect(d.connect()).resolves.toBeGreaterThan(0);
    await d.close();
  });
});
