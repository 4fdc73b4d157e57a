// Protocol shoot-out: the same workload, a 24-byte reading every 30 s from battery sensors, sent
// over MQTT QoS 0, 1 and 2 (connection kept, or a fresh one per reading), CoAP NON (one-way,
// with No-Response, RFC 7967) and CON,
// AMQP with confirms and HTTP (keep-alive, or a connection per reading). Every fleet really
// performs its session on the wire: sleep-mode devices connect, send, wait for the ack and
// disconnect for each reading, so the broker sees the true connection churn. The power table
// at the end prices what each device did with the same radio and battery.
//
// Runs on the embedded MQTT broker, CoAP server and HTTP server, plus RabbitMQ on
// 127.0.0.1:5672 (guest/guest) for the AMQP fleet:
//   npx fleetbench run scenarios/protocol-shootout.ts
// SHOOTOUT_RADIO picks another radio profile (default cc2538-802154: 802.15.4, where the
// protocol's own packets matter; with esp32-wifi, Wi-Fi association dominates every reading).
import { amqp, bytes, coap, defineScenario, every, http, mqtt } from 'fleetbench';

type Radio = 'esp32-wifi' | 'cc2538-802154' | 'nrf52-ble' | 'nrf9160-ltem' | 'nbiot' | 'lte-phone';
const radio = (process.env.SHOOTOUT_RADIO ?? 'cc2538-802154') as Radio;
const devices = 20;
const reading = { count: devices, send: every('30s'), payload: bytes(24) };
const persistent = { radio, battery: '2xAA', session: 'persistent', keepalive: '60s' } as const;
const sleep = { radio, battery: '2xAA', session: 'sleep' } as const;

export default defineScenario({
  name: 'protocol-shootout',
  description: '24-byte readings every 30 s over MQTT, CoAP, AMQP and HTTP, priced with one radio and battery',
  duration: '60s',
  // Each fleet's first readings are spread over one interval (the schedule's phase), so every
  // device sends exactly twice.
  drain: '2s',
  targets: { amqp: 'amqp://guest:guest@127.0.0.1:5672' },
  fleets: {
    mqtt_q0_kept: { ...reading, protocol: mqtt({ qos: 0 }), topic: 'shootout/{fleet}/{id}', power: persistent },
    mqtt_q1_kept: { ...reading, protocol: mqtt({ qos: 1 }), topic: 'shootout/{fleet}/{id}', power: persistent },
    mqtt_q2_kept: { ...reading, protocol: mqtt({ qos: 2 }), topic: 'shootout/{fleet}/{id}', power: persistent },
    mqtt_q0_sleep: { ...reading, protocol: mqtt({ qos: 0 }), topic: 'shootout/{fleet}/{id}', power: sleep },
    mqtt_q1_sleep: { ...reading, protocol: mqtt({ qos: 1 }), topic: 'shootout/{fleet}/{id}', power: sleep },
    mqtt_q2_sleep: { ...reading, protocol: mqtt({ qos: 2 }), topic: 'shootout/{fleet}/{id}', power: sleep },
    coap_non: {
      ...reading,
      protocol: coap({ type: 'NON', method: 'POST', noResponse: true }),
      path: '/shootout/non/{id}',
      power: sleep,
    },
    coap_con: { ...reading, protocol: coap({ type: 'CON', method: 'POST' }), path: '/shootout/con/{id}', power: sleep },
    amqp_kept: { ...reading, protocol: amqp({ confirm: true }), topic: 'shootout.{run}.amqp.{id}', power: persistent },
    http_kept: { ...reading, protocol: http({ keepAlive: true }), path: '/shootout/http/{id}', power: persistent },
    http_sleep: { ...reading, protocol: http({ keepAlive: false }), path: '/shootout/http-sleep/{id}', power: sleep },
  },
  observers: {
    // QoS 2 subscriptions: each MQTT fleet's own QoS is what its delivery promise rests on.
    backend: {
      protocol: mqtt({ qos: 2 }),
      receives: ['mqtt_q0_kept', 'mqtt_q1_kept', 'mqtt_q2_kept', 'mqtt_q0_sleep', 'mqtt_q1_sleep', 'mqtt_q2_sleep'],
    },
    ledger: { protocol: amqp({ queue: 'shootout-{run}', prefetch: 100 }), receives: ['amqp_kept'] },
  },
});
