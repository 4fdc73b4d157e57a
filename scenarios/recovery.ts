// Recovery under faults: 20% of a fleet killed without a goodbye (its Last Wills published),
// then every device dropped at once. The thresholds say what recovery must look like; a CI job
// runs it as is (docs/faults.md#a-ci-job-that-asserts-recovery). Runs on the embedded broker.
import { defineScenario, every, json, mqtt } from 'fleetbench';

export default defineScenario({
  name: 'recovery',
  description:
    'Kill 20% of a fleet with Last Wills, then a reconnect storm: every device back within 5 s, every will counted, nothing lost.',
  duration: '9s',
  fleets: {
    sensors: {
      count: 50,
      protocol: mqtt({ qos: 1, will: { topic: 'fleet/{run}/will/{id}', payload: 'gone', qos: 1 } }),
      topic: 'fleet/{run}/telemetry/{id}',
      send: every('500ms'),
      payload: json(({ id, seq }) => ({ id, seq, t: 21.5 })),
      reconnect: { initial: '500ms', max: '5s' },
    },
  },
  observers: {
    backend: { protocol: mqtt({ qos: 1 }), receives: ['sensors'] },
    wills: { protocol: mqtt({ qos: 1 }), receives: ['sensors:will'] },
  },
  faults: [
    { at: '2s', kill: 'sensors', fraction: '20%' },
    { at: '5s', reconnectStorm: 'sensors' },
  ],
  thresholds: {
    'sensors.reconnect_latency': ['p(99) < 5s'],
    'sensors.unrecovered': ['count == 0'],
    'sensors.unsent': ['rate < 5%'],
    'sensors.loss': ['rate == 0'],
  },
});
