// Quickstart: GPS trackers at QoS 0, temperature sensors at QoS 1 watched by a backend, and
// valves commanded at QoS 2 that reply to every command. Runs against the embedded broker
// by default; add --target mqtt=mqtt://127.0.0.1:1883 to run it against Mosquitto.
import { defineScenario, mqtt, every, poisson, json, bytes } from 'fleetbench';

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
      payload: json(({ id, seq, random }) => ({ id, seq, lat: +(37.77 + random() / 100).toFixed(5), lng: +(-122.41 + random() / 100).toFixed(5) }), { size: 112 }),
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
  },
  observers: {
    backend: { protocol: mqtt({ qos: 1 }), receives: ['gps', 'temperature'] },
  },
  commands: {
    scada: { protocol: mqtt({ qos: 2 }), to: 'valves', topic: 'factory/valves/{target}/cmd', send: poisson('5/s'), payload: bytes(32) },
  },
});
