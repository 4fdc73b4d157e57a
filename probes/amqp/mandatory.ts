// Mandatory publishes: a message published with the mandatory flag that no queue takes comes
// back to the publisher as basic.return with reply code 312 NO_ROUTE (AMQP 0-9-1 §1.8.3.7
// basic.publish "mandatory", §1.8.3.8 basic.return). `lost` publishes to a routing key nothing
// is bound to: all returned, with 312. `routed` publishes with the flag too, to a key a queue is
// bound to: none returned, all delivered (so a broker that returns everything fails).
import { amqp, bytes, defineProbe, defineScenario, every } from 'fleetbench';

export const probe = defineProbe({
  behaviour: 'mandatory publish with no route comes back as basic.return 312 NO_ROUTE',
  protocol: 'amqp',
  section: 'publishing',
  spec: 'AMQP 0-9-1 §1.8.3.7 basic.publish (mandatory), §1.8.3.8 basic.return',
});

export default defineScenario({
  name: 'probe-amqp-mandatory',
  duration: '1s',
  drain: '300ms',
  fleets: {
    lost: {
      count: 1,
      protocol: amqp({ mandatory: true }),
      topic: 'probe.{run}.nowhere.{id}',
      send: every('100ms'),
      payload: bytes(32),
    },
    routed: {
      count: 1,
      protocol: amqp({ mandatory: true }),
      topic: 'probe.{run}.routed.{id}',
      send: every('100ms'),
      payload: bytes(32),
    },
  },
  observers: {
    sub: { protocol: amqp(), receives: ['routed'] },
  },
  thresholds: {
    'lost.returned_no_route': ['rate == 1'],
    'routed.returned': ['count == 0'],
    'sub.loss': ['count == 0'],
  },
});
