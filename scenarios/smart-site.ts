// One site, five protocols, and the reference gateway in the middle:
//   soil sensors  — CoAP CON  → gateway → MQTT (ops console) and AMQP (backend queue)
//   trackers      — MQTT QoS 1 → Mosquitto → gateway → WebSocket dashboards
//   alarms        — MQTT QoS 1 → Mosquitto → gateway → HTTP webhook (pager)
//   meters        — HTTP POST  → the embedded HTTP server (direct)
//   erp           — AMQP with confirms → RabbitMQ → a backend queue with a dead-letter exchange
// Every hop is counted and timed end to end by the stamps the payloads carry.
//
// Needs Mosquitto on 127.0.0.1:1883 and RabbitMQ on 127.0.0.1:5672, and the gateway running:
//   npx fleetbench gateway --config scenarios/smart-site.gateway.json &
//   npx fleetbench run scenarios/smart-site.ts
// SMART_SITE_WEBHOOK_PORT moves the pager (default 7000; the gateway's webhook URL must match).
import { amqp, bytes, coap, defineScenario, every, http, json, mqtt, ws } from 'fleetbench';

const pagerPort = Number(process.env.SMART_SITE_WEBHOOK_PORT ?? 7000);

export default defineScenario({
  name: 'smart-site',
  duration: '20s',
  rampUp: '2s',
  drain: '2s',
  targets: {
    mqtt: 'mqtt://127.0.0.1:1883',
    amqp: 'amqp://guest:guest@127.0.0.1:5672',
    coap: 'coap://127.0.0.1:5683', // the gateway's CoAP ingest
    ws: 'ws://127.0.0.1:8080', // the gateway's dashboards
  },
  fleets: {
    soil: {
      count: 50,
      protocol: coap({ type: 'CON', method: 'POST' }),
      path: '/site1/{run}/soil/{id}',
      send: every('2s'),
      payload: bytes(24),
    },
    trackers: {
      count: 40,
      protocol: mqtt({ qos: 1 }),
      topic: 'site1/{run}/gps/{id}',
      send: every('1s', { jitter: '100ms' }),
      payload: json(
        ({ id, seq, random }) => ({
          id,
          seq,
          lat: +(52.37 + random() / 100).toFixed(5),
          lng: +(4.89 + random() / 100).toFixed(5),
        }),
        { size: 96 },
      ),
    },
    alarms: {
      count: 10,
      protocol: mqtt({ qos: 1 }),
      topic: 'alerts/site1/{run}/{id}',
      send: every('5s'),
      payload: bytes(48),
    },
    meters: {
      count: 20,
      protocol: http({ keepAlive: true }),
      path: '/meters/{id}',
      send: every('2s'),
      payload: bytes(32),
    },
    erp: {
      count: 2,
      protocol: amqp({ persistent: true }),
      topic: 'site1.{run}.erp.{id}',
      send: every('500ms'),
      payload: bytes(128),
    },
  },
  observers: {
    // The gateway publishes CoAP /site1/<run>/soil/3 as MQTT site1/<run>/soil/3 and AMQP
    // site1.<run>.soil.3: both subscriptions are derived from the fleet's path. Every name carries
    // the run id, so runs side by side on the same broker and gateway do not see each other.
    ops: { protocol: mqtt({ qos: 1 }), receives: ['soil'] },
    backend: { count: 2, protocol: amqp({ queue: 'smart-site-soil-{run}', prefetch: 200 }), receives: ['soil'] },
    dash: { count: 10, protocol: ws(), receives: ['trackers', 'soil'] },
    pager: { protocol: http({ listen: { port: pagerPort } }), receives: ['alarms'] },
    ledger: {
      protocol: amqp({ queue: { name: 'smart-site-erp-{run}', deadLetterExchange: 'smart-site.dlx' } }),
      receives: ['erp'],
    },
  },
});
