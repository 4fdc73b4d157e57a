// Quickstart: GPS trackers at QoS 0, temperature sensors at QoS 1 watched by a backend,
// valves commanded at QoS 2 that reply to every command, soil sensors posting CoAP NON to a
// CoAP server, thermostats that are CoAP servers themselves, observed by a gateway, smart
// meters posting over HTTP, and delivery vans watched by WebSocket dashboards.
// Runs against the embedded MQTT broker, CoAP server, HTTP server and WebSocket hub by
// default; add --target mqtt=mqtt://127.0.0.1:1883 to run the MQTT fleets against Mosquitto.
import { bytes, coap, defineScenario, every, http, json, mqtt, poisson, ws } from 'fleetbench';

export default defineScenario({
  name: 'quickstart',
  duration: '10s',
  rampUp: '2s',
  drain: '1s',
  connectRate: '200/s',
  fleets: {
    gps: {
      count: 100,
      protocol: mqtt({ qos: 0 }),
      topic: 'fleet/{id}/gps',
      send: every('1s', { jitter: '100ms' }),
      payload: json(
        ({ id, seq, random }) => ({
          id,
          seq,
          lat: +(37.77 + random() / 100).toFixed(5),
          lng: +(-122.41 + random() / 100).toFixed(5),
        }),
        { size: 112 },
      ),
    },
    temperature: {
      count: 50,
      protocol: mqtt({ qos: 1 }),
      topic: 'site/{id}/temperature',
      send: every('2s'),
      payload: bytes(24),
    },
    valves: {
      count: 10,
      protocol: mqtt({ qos: 2 }),
      subscribe: 'factory/valves/{id}/cmd',
      reply: true,
    },
    soil: {
      count: 50,
      protocol: coap({ type: 'NON', method: 'POST' }),
      path: '/telemetry/{id}',
      send: every('2s'),
      payload: bytes(24),
    },
    thermostats: {
      count: 5,
      // Device i is a CoAP server on 127.0.0.1:<free base port>+i serving /temperature (RFC 7641 Observe).
      protocol: coap({ serve: true }),
      path: '/temperature',
      send: every('1s'),
      payload: bytes(32),
    },
    meters: {
      count: 20,
      protocol: http({ keepAlive: true }),
      path: '/meters/{id}',
      send: every('2s'),
      payload: bytes(48),
    },
    vans: { count: 20, protocol: ws(), topic: 'vans/{id}/position', send: every('1s'), payload: bytes(40) },
  },
  observers: {
    backend: { protocol: mqtt({ qos: 1 }), receives: ['gps', 'temperature'] },
    gateway: { protocol: coap(), receives: ['thermostats'] },
    dashboards: { count: 5, protocol: ws(), receives: ['vans'] },
  },
  commands: {
    scada: {
      protocol: mqtt({ qos: 2 }),
      to: 'valves',
      topic: 'factory/valves/{target}/cmd',
      send: poisson('5/s'),
      payload: bytes(32),
    },
  },
});
