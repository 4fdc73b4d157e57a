// Protocol fields the wire carries in whole seconds (MQTT Keep Alive, Session and Message Expiry
// Interval, the AMQP heartbeat): a bare number is milliseconds like every duration, so
// `keepalive: 30` must be refused with a message naming the file and field, never rounded to 0
// (which turns keep alive off).
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { validateScenario } from '../../src/dsl/validate.ts';
import { amqp, every, mqtt, ScenarioError } from '../../src/index.ts';
import { resolveAmqpOptions } from '../../src/protocols/amqp/options.ts';
import { resolveMqttOptions } from '../../src/protocols/mqtt/options.ts';

const FILE = 'scenarios/seconds.ts';

function scenarioError(protocol: unknown): ScenarioError {
  const scenario = {
    name: 's',
    duration: '1s',
    fleets: { gps: { count: 1, protocol, topic: 't/{id}', send: every('1s') } },
  };
  try {
    validateScenario(scenario, FILE);
  } catch (err) {
    if (err instanceof ScenarioError) return err;
    throw err;
  }
  throw new Error('accepted');
}

function mqttOf(raw: Record<string, unknown>) {
  const check = new Checker();
  return { options: resolveMqttOptions(raw, 'p', check), problems: check.problems };
}

describe('seconds-granular protocol fields', () => {
  it.each([
    ['keepalive', 30],
    ['sessionExpiry', 300],
    ['messageExpiry', 60],
  ])('mqtt %s: %d (milliseconds) is refused, naming the file, field and unit', (field, value) => {
    const err = scenarioError(mqtt({ version: 5, [field]: value }));
    expect(err.message).toContain(FILE);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(
      new RegExp(
        `^fleets\\.gps\\.protocol\\.${field}: expected at least 1s, a duration like '30s'.*bare number is milliseconds.*got ${value}$`,
      ),
    );
  });

  it('keepalive 0 written on purpose turns keep alive off; the message says so when a value is too small', () => {
    expect(mqttOf({ keepalive: 0 }).options?.keepaliveSec).toBe(0);
    expect(mqttOf({ keepalive: '0s' }).options?.keepaliveSec).toBe(0);
    expect(mqttOf({ keepalive: '500ms' }).problems).toEqual([
      "p.keepalive: expected at least 1s, a duration like '30s' or '5m' (a bare number is milliseconds); 0 turns keep alive off (§3.1.2.10); write it as 0 only to mean that, got \"500ms\"",
    ]);
  });

  it('whole seconds go through; fractions and values above the field are refused, not rounded', () => {
    const ok = mqttOf({ version: 5, keepalive: '30s', sessionExpiry: 300_000, messageExpiry: '1m' });
    expect(ok.problems).toEqual([]);
    expect(ok.options).toMatchObject({ keepaliveSec: 30, sessionExpirySec: 300, messageExpirySec: 60 });
    expect(mqttOf({ keepalive: '1500ms' }).problems[0]).toMatch(/^p\.keepalive: expected a whole number of seconds/);
    expect(mqttOf({ keepalive: '65536s' }).problems).toEqual(['p.keepalive: expected at most 65535s, got "65536s"']);
    // Message Expiry has no "off" value: 0 is refused, absence means no expiry.
    expect(mqttOf({ version: 5, messageExpiry: 0 }).problems[0]).toMatch(/^p\.messageExpiry: expected at least 1s/);
    expect(mqttOf({ version: 5, sessionExpiry: 0 }).options?.sessionExpirySec).toBe(0);
    expect(mqttOf({}).options).toMatchObject({
      keepaliveSec: 60,
      sessionExpirySec: undefined,
      messageExpirySec: undefined,
    });
  });

  it('amqp heartbeat follows the same rule', () => {
    const err = scenarioError(amqp({ heartbeat: 30 }));
    expect(err.problems).toEqual([
      "fleets.gps.protocol.heartbeat: expected at least 1s, a duration like '30s' or '5m' (a bare number is milliseconds); 0 turns heartbeats off; write it as 0 only to mean that, got 30",
    ]);
    const check = new Checker();
    expect(resolveAmqpOptions({ heartbeat: 0 }, 'p', check)?.heartbeatSec).toBe(0);
    expect(resolveAmqpOptions({ heartbeat: '10s' }, 'p', check)?.heartbeatSec).toBe(10);
    expect(check.problems).toEqual([]);
  });
});
