// A session whose Session Expiry Interval elapsed while its client was offline is gone: the
// broker discards its state [MQTT-3.1.2-23] (5.0 §3.1.2.11.2, §4.1), answers the return with
// Session Present 0 (§3.2.2.1.1), and delivers nothing that was queued for it.
//
// `expired` keeps its session for 1 s and is away from 300 ms to 3.3 s (3 s: brokers count the
// interval in whole seconds); a message for it is published at about 700 ms. Its `receives` is a fleet that sends once before it leaves (the
// runner expects every message sent meanwhile of a fleet an offline observer receives, which an
// expired session owes nobody), so the message sent while it was away is counted only in its
// `received`. `keeper` (a 1-minute session, the same absence) must get that message: a broker
// that queues nothing at all fails rather than passes.
import { bytes, defineProbe, defineScenario, every, mqtt, stages } from 'fleetbench';
import { V5 } from './_versions.ts';

export const probe = defineProbe({
  behaviour: 'session gone after its Session Expiry Interval (nothing queued delivered)',
  protocol: 'mqtt',
  section: 'session',
  spec: 'MQTT 5.0 §3.1.2.11.2 [MQTT-3.1.2-23], §3.2.2.1.1, §4.1',
  variants: [V5],
});

export default defineScenario({ env: { MQTT_VERSION: '5' } }, () => ({
  name: 'probe-session-expiry',
  duration: '3600ms',
  drain: '500ms',
  fleets: {
    early: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1 }),
      topic: 'probe/{run}/session-expiry/early/{id}',
      send: every('1s'),
      messages: 1,
      payload: bytes(24),
    },
    // One message, at about 700 ms: no sends for 600 ms, then 10/s.
    meters: {
      count: 1,
      protocol: mqtt({ version: 5, qos: 1 }),
      topic: 'probe/{run}/session-expiry/meters/{id}',
      send: stages([
        { target: '0/s', duration: '600ms' },
        { target: '10/s', duration: '1ms' },
      ]),
      messages: 1,
      payload: bytes(24),
    },
  },
  observers: {
    keeper: {
      protocol: mqtt({ version: 5, qos: 1, clean: false, sessionExpiry: '1m' }),
      receives: ['meters'],
      offline: { from: '300ms', to: '3300ms' },
    },
    expired: {
      protocol: mqtt({ version: 5, qos: 1, clean: false, sessionExpiry: '1s' }),
      receives: ['early'],
      subscribe: ['probe/{run}/session-expiry/early/+', 'probe/{run}/session-expiry/meters/+'],
      offline: { from: '300ms', to: '3300ms' },
    },
  },
  thresholds: {
    'keeper.session_queued_delivered': ['rate == 1'],
    // early's message only: meters' went with the expired session.
    'expired.received': ['count == 1'],
  },
}));
