// Benchmark: AMQP 0-9-1 publishers offered far more than RabbitMQ takes, to find the maximum
// publish rate with publisher confirms, without them, or in transactions, while one consumer
// (prefetch 1000, manual acks) drains the queue so it does not grow without bound.
// FB_BENCH_AMQP_MODE: 'confirm' (default), 'none' or 'tx'; FB_BENCH_DEVICES (default 50);
// FB_BENCH_INTERVAL (default '1ms' per device); FB_BENCH_INFLIGHT (default 100 unconfirmed or
// uncommitted per device); FB_BENCH_TX_BATCH (default 100); FB_BENCH_PREFETCH (default 1000);
// FB_BENCH_DURATION (default '10s'); FB_BENCH_DRAIN (default '3s').
// The consumer's queue is named 'fbbench.amqp.<run>' and outlives the run (x-expires 60 s), so
// the bench can ask RabbitMQ how many messages were left in it.
import { amqp, bytes, defineScenario, every } from 'fleetbench';

const mode = process.env.FB_BENCH_AMQP_MODE ?? 'confirm';
const devices = Number(process.env.FB_BENCH_DEVICES ?? 50);
const interval = process.env.FB_BENCH_INTERVAL ?? '1ms';
const inflight = Number(process.env.FB_BENCH_INFLIGHT ?? 100);
const batch = Number(process.env.FB_BENCH_TX_BATCH ?? 100);
const prefetch = Number(process.env.FB_BENCH_PREFETCH ?? 1000);

const publisher = mode === 'tx' ? amqp({ tx: batch, inflight }) : amqp({ confirm: mode === 'confirm', inflight });

export default defineScenario({
  name: `bench-amqp-${mode}-max`,
  duration: process.env.FB_BENCH_DURATION ?? '10s',
  drain: process.env.FB_BENCH_DRAIN ?? '3s',
  connectRate: '1000/s',
  fleets: {
    load: {
      count: devices,
      protocol: publisher,
      topic: 'fbbench.{run}.{fleet}.{id}',
      send: every(interval),
      payload: bytes(64),
    },
  },
  observers: {
    backend: {
      protocol: amqp({ prefetch, queue: { name: 'fbbench.amqp.{run}', autoDelete: false, expires: '60s' } }),
      receives: ['load'],
    },
  },
  // Offered more than one machine sends on purpose: the shortfall is the measurement, not a fault.
  expect: { lateSends: true },
});
