// Warming a worker's hot paths (runner/warm-paths.ts): every fleet's send and receive paths run
// against a loopback embedded server of its driver, and nothing reaches the real target, here
// Mosquitto behind a tap that sees every packet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/dsl/validate.ts';
import { bytes, every, json, mqtt } from '../../src/index.ts';
import { warmPaths } from '../../src/runner/warm-paths.ts';
import { type MqttTap, mqttTap } from '../helpers/mqtt-tap.ts';

describe('warming hot paths', () => {
  let tap: MqttTap;
  beforeAll(async () => {
    tap = await mqttTap(1883);
  });
  afterAll(() => tap.close());

  it('sends and receives on loopback, and nothing reaches the target', async () => {
    // A payload function that keeps state: the throwaway sends must not advance it.
    let calls = 0;
    const reading = () => ({ n: calls++ });
    const plan = validateScenario(
      {
        name: 'warm-paths',
        duration: '1s',
        targets: { mqtt: tap.url },
        fleets: {
          gps: {
            count: 3,
            protocol: mqtt({ qos: 1 }),
            topic: 'fbtest/{run}/gps/{id}',
            send: every('1s'),
            payload: bytes(32),
          },
          meters: {
            count: 1,
            protocol: mqtt(),
            topic: 'fbtest/{run}/meters/{id}',
            send: every('1s'),
            payload: json(reading),
          },
        },
        observers: { backend: { protocol: mqtt({ qos: 1 }), receives: ['gps', 'meters'] } },
      },
      'warm-paths.ts',
    );
    const done = await warmPaths(plan, { mqtt: tap.url }, 0);
    expect(done.sent).toBeGreaterThan(0);
    expect(calls).toBe(0);
    // One throwaway observer got every throwaway send.
    expect(done.received).toBe(done.sent);
    expect(tap.up).toEqual([]);
    expect(tap.bytes).toEqual({ up: 0, down: 0 });
  });
});
