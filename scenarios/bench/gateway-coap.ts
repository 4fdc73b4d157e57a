// Benchmark: a CoAP CON fleet through the reference gateway (--target coap=<the gateway's
// coap:// URL>) to Mosquitto and RabbitMQ, received by an MQTT observer and an AMQP observer;
// or, with FB_BENCH_GW_MODE=direct, the same fleet against the embedded CoAP server (no
// observers) for comparison at the same offered rate.
// FB_BENCH_DEVICES (default 100); FB_BENCH_INTERVAL (default '20ms' per device: 5,000/s);
// FB_BENCH_GW_MODE: 'gateway' (default) or 'direct'; FB_BENCH_DURATION (default '10s');
// FB_BENCH_DRAIN (default '3s').
import { amqp, bytes, coap, defineScenario, every, mqtt } from 'fleetbench';

const devices = Number(process.env.FB_BENCH_DEVICES ?? 100);
const interval = process.env.FB_BENCH_INTERVAL ?? '20ms';
const direct = process.env.FB_BENCH_GW_MODE === 'direct';

export default defineScenario({
  name: `bench-gateway-coap${direct ? '-direct' : ''}`,
  duration: process.env.FB_BENCH_DURATION ?? '10s',
  drain: process.env.FB_BENCH_DRAIN ?? '3s',
  connectRate: '2000/s',
  fleets: {
    // The gateway publishes 'fbbench/<run>/gw/<id>' to MQTT and 'fbbench.<run>.gw.<id>' to amq.topic.
    sensors: {
      count: devices,
      protocol: coap({ type: 'CON', method: 'POST' }),
      path: '/fbbench/{run}/gw/{id}',
      send: every(interval),
      payload: bytes(48),
    },
  },
  observers: direct
    ? {}
    : {
        viaMqtt: { protocol: mqtt({ qos: 1 }), receives: ['sensors'] },
        viaAmqp: { protocol: amqp({ prefetch: 1000 }), receives: ['sensors'] },
      },
});
