// Priorities: a queue declared with x-max-priority delivers its backlog highest priority first
// (RabbitMQ extension: priority queues; AMQP 0-9-1 §1.8, class basic rule 02, asks for at least
// two priority levels, which RabbitMQ gives only to queues with x-max-priority). `main` declares
// its queue and goes offline (0 to 1.3 s) while `low` (priority 1) and `high` (priority 9) publish
// 6 messages each, interleaved (300 to 500 ms); on its return the 12 must come highest priority
// first: no delivery may have a higher priority than the one before it (`priority_rises`). A
// broker that ignores priorities delivers them in arrival order, low and high alternating.
import { amqp, bytes, defineProbe, defineScenario } from 'fleetbench';
import { burst } from './_burst.ts';

export const probe = defineProbe({
  behaviour: 'a priority queue delivers its backlog highest priority first',
  protocol: 'amqp',
  section: 'queues',
  spec: 'RabbitMQ extension: priority queues (x-max-priority); AMQP 0-9-1 §1.8 class basic rule 02',
  notOffered: [{ when: /406|PRECONDITION_FAILED/, because: 'the broker refused x-max-priority (406 PRECONDITION_FAILED)' }],
});

const N = 6;

export default defineScenario({
  name: 'probe-amqp-priority',
  duration: '1700ms',
  drain: '300ms',
  fleets: {
    low: { count: 1, protocol: amqp({ priority: 1 }), topic: 'probe.{run}.prio.low', send: burst(N, 30, 300), payload: bytes(32) },
    high: { count: 1, protocol: amqp({ priority: 9 }), topic: 'probe.{run}.prio.high', send: burst(N, 30, 315), payload: bytes(32) },
  },
  observers: {
    main: {
      protocol: amqp({
        queue: { name: 'probe-{run}-prio-{id}', autoDelete: false, expires: '5s', maxPriority: 10 },
        bind: 'probe.{run}.prio.*',
      }),
      receives: ['low', 'high'],
      offline: { from: '0ms', to: '1300ms' },
    },
  },
  thresholds: {
    'main.received': [`count == ${2 * N}`],
    'main.loss': ['count == 0'],
    'main.priority_rises': ['count == 0'],
  },
});
