// Addresses across protocols: canonical topics, derived filters and binding keys, MQTT matching.
import { describe, expect, it } from 'vitest';
import { driverFor } from '../../src/protocols/registry.ts';
import {
  filterFromTemplate,
  mqttFilterToBindingKey,
  routingKeyToTopic,
  topicMatches,
} from '../../src/protocols/topics.ts';

describe("each driver's canonicalTopic", () => {
  it.each([
    ['fleet/{id}/gps', 'mqtt', 'fleet/{id}/gps'],
    ['/telemetry/{id}', 'coap', 'telemetry/{id}'],
    ['/telemetry/{id}', 'http', 'telemetry/{id}'],
    ['fleet.{id}.gps', 'amqp', 'fleet/{id}/gps'],
    ['dash/{id}', 'ws', 'dash/{id}'],
  ])('%s over %s → %s', (template, protocol, expected) => {
    const driver = driverFor(protocol);
    expect(driver).toBeDefined();
    expect(driver?.canonicalTopic?.(template) ?? template).toBe(expected);
  });
});

describe('filterFromTemplate', () => {
  it('turns levels holding {id} or {target} into +, fills {fleet}, keeps {run} for the receiver to render', () => {
    expect(filterFromTemplate('{fleet}/{run}/dev-{id}/gps', 'trk')).toBe('trk/{run}/+/gps');
    expect(filterFromTemplate('valves/{target}/set', 'cmd')).toBe('valves/+/set');
  });
});

describe('MQTT filters as AMQP binding keys (RabbitMQ MQTT plugin mapping)', () => {
  it.each([
    ['fleet/+/gps', 'fleet.*.gps'],
    ['fleet/#', 'fleet.#'],
    ['#', '#'],
    ['a/b/c', 'a.b.c'],
  ])('%s → %s', (filter, key) => {
    expect(mqttFilterToBindingKey(filter)).toBe(key);
  });
  it('routing keys come back as topics', () => {
    expect(routingKeyToTopic('fleet.3.gps')).toBe('fleet/3/gps');
  });
});

describe('topicMatches (MQTT §4.7)', () => {
  it.each([
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/b/d', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['#', 'a/b', true],
    ['+', 'a/b', false],
    ['a/b', 'a/b', true],
    ['a/b', 'a/b/c', false],
    ['+/+', '/x', true],
    ['#', '$SYS/broker', false],
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker', true],
  ])('%s against %s → %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
