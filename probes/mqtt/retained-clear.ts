// A retained message with a zero-byte payload removes the topic's retained message, and is not
// stored itself: a later subscriber gets no retained message on that topic [MQTT-3.3.1-10],
// [MQTT-3.3.1-11]; 5.0 §3.3.1.3.
//
// Every payload a scenario sends carries its 20-byte stamp, so the empty message is the Last
// Will of a device killed on purpose, with an empty will payload and Will Retain 1: the broker
// MUST publish it as a retained message [MQTT-3.1.2-17] (5.0 §3.1.2.7). A broker whose wills
// fail (will.ts) fails here too. The late subscriber also subscribes to a topic whose retained
// message is kept, so a broker that sends no retained messages at all fails rather than passes.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { VERSIONS, versionOf } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'zero-byte retained message clears the retained message',
  protocol: 'mqtt',
  section: 'retained',
  spec: 'MQTT 3.1.1 [MQTT-3.3.1-10], [MQTT-3.3.1-11], [MQTT-3.1.2-17]; 5.0 §3.3.1.3, §3.1.2.7',
  variants: VERSIONS,
  notOffered: [{ when: 'retain_available=0', because: 'the broker announced Retain Available 0 (CONNACK)' }],
});

export default defineScenario({ env: { MQTT_VERSION: '4' } }, (env) => {
  const version = versionOf(env);
  const retained = (topic: string) => ({
    count: 1,
    protocol: mqtt({ version, qos: 1, retain: true }),
    topic,
    send: every('1s'),
    messages: 1,
    payload: bytes(24),
  });
  return {
    name: 'probe-retained-clear',
    duration: '1200ms',
    drain: '500ms',
    fleets: {
      kept: retained('probe/{run}/retained-clear/kept/{id}'),
      gone: retained('probe/{run}/retained-clear/gone/{id}'),
      // Killed at 400 ms: its empty retained will lands on gone's topic.
      clearer: {
        count: 1,
        protocol: mqtt({
          version,
          qos: 1,
          will: { topic: 'probe/{run}/retained-clear/gone/0', payload: '', qos: 1, retain: true },
        }),
        subscribe: 'probe/{run}/retained-clear/clearer/{id}',
        reconnect: false,
      },
    },
    observers: {
      late: {
        protocol: mqtt({ version, qos: 1 }),
        receives: ['kept'],
        subscribe: ['probe/{run}/retained-clear/kept/0', 'probe/{run}/retained-clear/gone/0'],
        startTime: '900ms',
      },
    },
    faults: [{ at: '400ms', kill: 'clearer' }],
    expect: { unrecovered: ['clearer'] },
    // kept's retained message, and nothing from gone's topic: 1 message in all.
    thresholds: { 'late.retained_delivered': ['rate == 1'], 'late.received': ['count == 1'] },
  };
});
