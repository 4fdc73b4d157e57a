// Message TTL: a message older than its TTL is not delivered, and a queue with a dead-letter
// exchange dead-letters it with reason 'expired'. Two rows: the per-message `expiration`
// property, and the queue's x-message-ttl (both RabbitMQ extensions: AMQP 0-9-1 defines the
// expiration property of class basic, §1.8, but not what a broker does with it). `main`
// declares its queue and goes offline (at 0 ms, back at 1.3 s) while `pub` publishes 8 messages
// (300 to 500 ms) with a 100 ms TTL, so every message expires in the queue; on its return `main`
// must get none, and the dead-letter queue `dlq` must get all of them, as 'expired'. The slack
// around the publishes lets the goodbye and the return take their time on a loaded machine.
import { amqp, bytes, defineProbe, defineScenario } from 'fleetbench';
import { burst } from './_burst.ts';

export const probe = defineProbe({
  behaviour: 'expired messages are not delivered and are dead-lettered as expired',
  protocol: 'amqp',
  section: 'queues',
  spec: 'RabbitMQ extension: TTL (expiration property, x-message-ttl), dead lettering',
  variants: [
    { label: 'message', env: { TTL_KIND: 'message' } },
    { label: 'queue', env: { TTL_KIND: 'queue' } },
  ],
  notOffered: [{ when: /406|PRECONDITION_FAILED/, because: 'the broker refused the queue arguments (406 PRECONDITION_FAILED)' }],
});

export default defineScenario({ env: { TTL_KIND: 'message' } }, (env) => {
  const perMessage = env.TTL_KIND === 'message';
  return {
    name: 'probe-amqp-ttl',
    duration: '1700ms',
    drain: '300ms',
    fleets: {
      pub: {
        count: 1,
        protocol: amqp(perMessage ? { ttl: '100ms' } : {}),
        topic: 'probe.{run}.ttl.{id}',
        send: burst(8, 25, 300),
        payload: bytes(32),
      },
    },
    observers: {
      // A named queue that outlives its consumer while offline, deleted 5 s after its last use.
      main: {
        protocol: amqp({
          queue: {
            name: 'probe-{run}-ttl-{id}',
            autoDelete: false,
            expires: '5s',
            ...(perMessage ? {} : { ttl: '100ms' }),
            deadLetterExchange: 'amq.direct',
            deadLetterRoutingKey: 'probe.{run}.ttl.dead',
          },
        }),
        receives: ['pub'],
        offline: { from: '0ms', to: '1300ms' },
      },
      dlq: {
        protocol: amqp({ exchange: 'amq.direct', bind: 'probe.{run}.ttl.dead', deadLetters: true }),
        receives: ['pub'],
      },
    },
    thresholds: {
      'main.received': ['count == 0'],
      'dlq.loss': ['count == 0'],
      'dlq.dead_letters_expired': ['rate == 1'],
    },
  };
});
