// The Will Delay Interval (5.0 §3.1.3.2.2): the broker publishes a will once the delay has passed
// (or the session ended), not at once, and not at all when the client is back within it
// [MQTT-3.1.3-9]. Three devices with a will and a session that outlives them are killed 100 ms
// in: `mortal` (delay 1 s) stays away, and its will reaches `heir` by the end; `phoenix`
// (delay 1 s) reconnects within 100 ms, and `heir2` gets no will; `slow` (delay 5 s) stays
// away, and `heir3` gets no will before the run ends, 2.6 s later.
import { bytes, defineProbe, defineScenario, every, mqtt } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'Will Delay Interval: the will goes after the delay, and not if the client is back',
  protocol: 'mqtt',
  section: 'will',
  spec: 'MQTT 5.0 [MQTT-3.1.3-9] §3.1.3.2.2',
  variants: [V5],
});

const device = (name: string, delay: string) => ({
  count: 1,
  protocol: mqtt({
    version: 5,
    qos: 1,
    sessionExpiry: '10s',
    will: { topic: `probe/{run}/will/${name}/{id}`, qos: 1, delay },
  }),
  topic: `probe/{run}/will-live/${name}/{id}`,
  send: every('500ms'),
  payload: bytes(32),
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-will-delay',
  duration: '2500ms',
  drain: '200ms',
  fleets: {
    mortal: { ...device('mortal', '1s'), reconnect: false },
    phoenix: { ...device('phoenix', '1s'), reconnect: { initial: '100ms', jitter: 'none' } },
    slow: { ...device('slow', '5s'), reconnect: false },
  },
  observers: {
    heir: { protocol: mqtt({ version: 5, qos: 1 }), receives: ['mortal:will'] },
    heir2: { protocol: mqtt({ version: 5, qos: 1 }), receives: ['phoenix:will'] },
    heir3: { protocol: mqtt({ version: 5, qos: 1 }), receives: ['slow:will'] },
  },
  faults: [{ at: '100ms', kill: ['mortal', 'phoenix', 'slow'] }],
  expect: { unrecovered: ['mortal', 'slow'] },
  thresholds: {
    'heir.loss': ['rate == 0'],
    'heir2.received': ['count == 0'],
    'heir3.received': ['count == 0'],
  },
}));
