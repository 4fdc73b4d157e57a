// Dead-letter reasons: a queue with x-dead-letter-exchange republishes what it discards there,
// with an x-death header naming why (RabbitMQ extension: dead letter exchanges). One row per
// reason, each asserting that every message reached the dead-letter queue `dlq` with that reason:
// - rejected: `main` rejects every delivery with basic.nack, requeue false (basic.reject,
//   AMQP 0-9-1 §1.8.3.14; basic.nack is RabbitMQ's extension of it);
// - maxlen: `main` is offline while the 8 messages meet x-max-length 2 (drop-head): the 6 oldest
//   are dropped to the dead-letter exchange, and `main` gets the 2 newest on its return (it is
//   offline from 0 to 1.3 s, the messages are published from 300 to 500 ms).
// The third reason, 'expired', is the ttl probe's (ttl.ts, both rows).
import { amqp, bytes, defineProbe, defineScenario } from 'fleetbench';
import { burst } from './_burst.ts';

type Reason = 'rejected' | 'maxlen';

export const probe = defineProbe({
  behaviour: 'dead-lettered with the reason in x-death',
  protocol: 'amqp',
  section: 'queues',
  spec: 'RabbitMQ extension: dead letter exchanges (x-dead-letter-exchange, x-death); AMQP 0-9-1 §1.8.3.14 basic.reject',
  variants: (['rejected', 'maxlen'] as const).map((reason) => ({ label: reason, env: { REASON: reason } })),
  notOffered: [{ when: /406|PRECONDITION_FAILED/, because: 'the broker refused the queue arguments (406 PRECONDITION_FAILED)' }],
});

const SENT = 8;

export default defineScenario({ env: { REASON: 'rejected' } }, (env) => {
  const reason = env.REASON as Reason;
  const away = reason === 'maxlen';
  const thresholds: Record<string, string[]> = {
    'dlq.dead_letters': [`count == ${reason === 'maxlen' ? SENT - 2 : SENT}`],
    [`dlq.dead_letters_${reason}`]: ['rate == 1'],
    'main.received': [`count == ${reason === 'rejected' ? SENT : 2}`],
  };
  return {
    name: `probe-amqp-dead-letter-${reason}`,
    duration: away ? '1700ms' : '1s',
    drain: '300ms',
    fleets: {
      pub: { count: 1, protocol: amqp(), topic: 'probe.{run}.dl.{id}', send: burst(SENT, 25, 300), payload: bytes(32) },
    },
    observers: {
      main: {
        protocol: amqp({
          queue: {
            name: 'probe-{run}-dl-{id}',
            autoDelete: false,
            expires: '5s',
            ...(reason === 'maxlen' ? { maxLength: 2 } : {}),
            deadLetterExchange: 'amq.direct',
            deadLetterRoutingKey: 'probe.{run}.dl.dead',
          },
          ...(reason === 'rejected' ? { reject: { every: 1 } } : {}),
        }),
        receives: ['pub'],
        ...(away ? { offline: { from: '0ms', to: '1300ms' } } : {}),
      },
      dlq: { protocol: amqp({ exchange: 'amq.direct', bind: 'probe.{run}.dl.dead', deadLetters: true }), receives: ['pub'] },
    },
    thresholds,
  };
});
