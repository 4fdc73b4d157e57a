// Prefetch: with basic.qos prefetch-count N the broker sends a consumer at most N messages ahead
// of its acknowledgements (AMQP 0-9-1 §1.8.3.1; RabbitMQ applies a non-global prefetch per
// consumer rather than per channel, which with one consumer per channel is the same). `work`
// takes 50 ms per message with prefetch 3 (60 messages/s at most) while `pub` offers 200/s: the
// queue backs up (messages still queued at the end), and the consumer must never have held more
// than 3 unacknowledged deliveries at once (`unacked_peak`).
import { amqp, bytes, defineProbe, defineScenario, every } from 'fleetbench';

export const probe = defineProbe({
  behaviour: 'prefetch: no more than N unacknowledged deliveries per consumer',
  protocol: 'amqp',
  section: 'consuming',
  spec: 'AMQP 0-9-1 §1.8.3.1 basic.qos (prefetch-count)',
});

const PREFETCH = 3;

export default defineScenario({
  name: 'probe-amqp-prefetch',
  duration: '1s',
  drain: '300ms',
  fleets: {
    pub: { count: 2, protocol: amqp(), topic: 'probe.{run}.prefetch.{id}', send: every('10ms'), payload: bytes(32) },
  },
  observers: {
    work: { protocol: amqp({ prefetch: PREFETCH, processing: '50ms' }), receives: ['pub'] },
  },
  thresholds: {
    'work.unacked_peak': [`count <= ${PREFETCH}`, 'count > 0'],
    // The limit held back a backlog: the broker had more to send than the consumer got.
    'work.queued': ['count > 0'],
    'work.loss': ['count == 0'],
  },
});
