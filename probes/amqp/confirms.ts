// Publisher confirms: on a channel in confirm mode (confirm.select) the broker acknowledges every
// publish with basic.ack once it has taken responsibility for it, and refuses one with basic.nack
// only when it could not (RabbitMQ's extension of AMQP 0-9-1: class confirm, 85; basic.ack and
// basic.nack from the server). Routable publishes to a live queue: all acked, none nacked, all
// delivered.
import { amqp, bytes, defineProbe, defineScenario, every } from 'fleetbench';

export const probe = defineProbe({
  behaviour: 'publisher confirms: every publish acked (basic.ack), none nacked',
  protocol: 'amqp',
  section: 'publishing',
  spec: 'RabbitMQ extension: publisher confirms (confirm.select, basic.ack/nack)',
  notOffered: [
    { when: /540|NOT_IMPLEMENTED/, because: 'the broker refused confirm.select (540 NOT_IMPLEMENTED)' },
  ],
});

export default defineScenario({
  name: 'probe-amqp-confirms',
  duration: '1s',
  drain: '300ms',
  fleets: {
    pub: {
      count: 2,
      protocol: amqp({ confirm: true }),
      topic: 'probe.{run}.confirms.{id}',
      send: every('50ms'),
      payload: bytes(32),
    },
  },
  observers: {
    // A server-named, exclusive queue bound to amq.topic: gone with its connection.
    sub: { protocol: amqp(), receives: ['pub'] },
  },
  thresholds: {
    'pub.acked': ['rate == 1'],
    'pub.confirm_nacks': ['count == 0'],
    'sub.loss': ['count == 0'],
  },
});
