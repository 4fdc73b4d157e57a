// Transactions (AMQP 0-9-1 §1.9, class tx): on a channel in tx mode (tx.select) published
// messages are held until tx.commit and then routed at once (§1.9.2.3), and tx.rollback
// discards them (§1.9.2.5). Two rows:
// - commit: 6 messages 200 ms apart, each transaction committed 500 ms after its first message
//   (tx maxDelay: 3 messages each), so every message waits 100 ms or more for its commit: none
//   may reach `sub` sooner (a broker that routed publishes before their commit would deliver
//   them within milliseconds);
// - rollback: 8 messages in transactions of 4, the second rolled back: `sub` gets the first 4 only.
import { amqp, bytes, defineProbe, defineScenario } from 'fleetbench';
import { burst } from './_burst.ts';

export const probe = defineProbe({
  behaviour: 'transactions: delivered at tx.commit, discarded by tx.rollback',
  protocol: 'amqp',
  section: 'publishing',
  spec: 'AMQP 0-9-1 §1.9 class tx (§1.9.2.3 commit, §1.9.2.5 rollback)',
  variants: [
    { label: 'commit', env: { TX: 'commit' } },
    { label: 'rollback', env: { TX: 'rollback' } },
  ],
  notOffered: [{ when: /540|NOT_IMPLEMENTED/, because: 'the broker refused tx.select (540 NOT_IMPLEMENTED)' }],
});

export default defineScenario({ env: { TX: 'commit' } }, (env) => {
  const rollback = env.TX === 'rollback';
  const thresholds: Record<string, string[]> = rollback
    ? {
        'pub.acked': ['count == 4'],
        'pub.rolled_back': ['count == 4'],
        'sub.received': ['count == 4'],
        'sub.duplicates': ['count == 0'],
      }
    : {
        'pub.acked': ['rate == 1'],
        'sub.loss': ['count == 0'],
        'sub.e2e_latency': ['min >= 50ms'],
      };
  return {
    name: `probe-amqp-tx-${env.TX}`,
    duration: rollback ? '1s' : '1500ms',
    drain: '300ms',
    fleets: {
      pub: rollback
        ? {
            count: 1,
            protocol: amqp({ tx: { batch: 4, rollback: { every: 2 } } }),
            topic: 'probe.{run}.tx.{id}',
            send: burst(8, 50),
            payload: bytes(32),
          }
        : {
            count: 1,
            protocol: amqp({ tx: { batch: 1000, maxDelay: '500ms' } }),
            topic: 'probe.{run}.tx.{id}',
            send: burst(6, 200),
            payload: bytes(32),
          },
    },
    observers: {
      sub: { protocol: amqp(), receives: ['pub'] },
    },
    thresholds,
  };
});
