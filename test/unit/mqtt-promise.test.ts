// The MQTT delivery promise when the broker broke the QoS 2 flow: a PUBACK answering QoS 2 is a
// QoS 1 flow, and the row must not promise exactly once (driver side of issue 15, item 4).
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { MQTT_CODES } from '../../src/protocols/mqtt/codes.ts';
import { mqttDriver } from '../../src/protocols/mqtt/index.ts';
import { resolveMqttOptions } from '../../src/protocols/mqtt/options.ts';

const q2 = resolveMqttOptions({ qos: 2 }, 'p', new Checker())!;

describe('mqtt promise with a wrong ack', () => {
  it('QoS 2 answered with PUBACK promises at least once, and says why', () => {
    const wrong = new Map([[MQTT_CODES.keys.violation.wrong_ack, 3]]);
    expect(mqttDriver.promise(q2, q2, new Map(), wrong)).toEqual({
      label: 'QoS 1 (at least once), broker answered QoS 2 with PUBACK',
      short: 'QoS 1',
      noLoss: true,
      noDuplicates: false,
    });
    expect(mqttDriver.promise(q2, q2, new Map()).label).toBe('QoS 2 (exactly once)');
  });
});
