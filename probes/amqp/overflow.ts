// Max-length overflow: a queue at x-max-length either drops its oldest message ('drop-head', the
// default; dead-lettered with reason 'maxlen' when it has a dead-letter exchange), or refuses the
// new one ('reject-publish': a publisher with confirms gets basic.nack; 'reject-publish-dlx':
// the refused message is also dead-lettered). RabbitMQ extension: queue length limit, x-overflow.
// `main` (x-max-length 3) is offline (0 to 1.3 s) while `old` publishes 3 messages (at 300 ms)
// and then `new` 3 more (at 750 ms); on its return it must find the newest 3 (drop-head) or the
// oldest 3 (reject-publish*), and the dead-letter queue `dlq` the other fleet's (none for
// reject-publish). The gaps let late sends on a loaded machine keep that order.
import { amqp, bytes, defineProbe, defineScenario } from 'fleetbench';
import { burst } from './_burst.ts';

type Overflow = 'drop-head' | 'reject-publish' | 'reject-publish-dlx';

export const probe = defineProbe({
  behaviour: 'max-length overflow',
  protocol: 'amqp',
  section: 'queues',
  spec: 'RabbitMQ extension: queue length limit (x-max-length, x-overflow)',
  variants: (['drop-head', 'reject-publish', 'reject-publish-dlx'] as const).map((o) => ({
    label: o,
    env: { OVERFLOW: o },
  })),
  notOffered: [{ when: /406|PRECONDITION_FAILED/, because: 'the broker refused the queue arguments (406 PRECONDITION_FAILED)' }],
});

const N = 3;

export default defineScenario({ env: { OVERFLOW: 'drop-head' } }, (env) => {
  const overflow = env.OVERFLOW as Overflow;
  const dropHead = overflow === 'drop-head';
  // Where each fleet's messages must end up: `main` keeps one fleet's, `dlq` gets the other's
  // (with reject-publish the refused ones go nowhere, so `dlq` must get none).
  const kept = dropHead ? 'new' : 'old';
  const dropped = dropHead ? 'old' : 'new';
  const thresholds: Record<string, string[]> = {
    'main.loss': ['count == 0'],
    'main.received': [`count == ${N}`],
    ...(overflow === 'reject-publish'
      ? { 'dlq.received': ['count == 0'] }
      : { 'dlq.loss': ['count == 0'], 'dlq.dead_letters_maxlen': ['rate == 1'] }),
    // drop-head takes every publish (basic.ack) and drops the oldest; reject-publish* refuse the newest (basic.nack).
    ...(dropHead
      ? { confirm_nacks: ['count == 0'] }
      : { 'old.confirm_nacks': ['count == 0'], 'new.confirm_nacks': ['rate == 1'] }),
  };
  return {
    name: `probe-amqp-overflow-${overflow}`,
    duration: '1700ms',
    drain: '300ms',
    fleets: {
      old: { count: 1, protocol: amqp(), topic: 'probe.{run}.of.old', send: burst(N, 20, 300), payload: bytes(32) },
      new: { count: 1, protocol: amqp(), topic: 'probe.{run}.of.new', send: burst(N, 20, 750), payload: bytes(32) },
    },
    observers: {
      main: {
        protocol: amqp({
          queue: {
            name: 'probe-{run}-of-{id}',
            autoDelete: false,
            expires: '5s',
            maxLength: N,
            overflow,
            deadLetterExchange: 'amq.direct',
            deadLetterRoutingKey: 'probe.{run}.of.dead',
          },
          bind: 'probe.{run}.of.*',
        }),
        receives: [kept],
        offline: { from: '0ms', to: '1300ms' },
      },
      dlq: {
        protocol: amqp({ exchange: 'amq.direct', bind: 'probe.{run}.of.dead', deadLetters: true }),
        receives: [dropped],
      },
    },
    thresholds,
  };
});
