// The library baseline of `npm run bench -- engine`: one MQTT.js client per device (MQTT 3.1.1,
// clean session, keepalive 60 s, no reconnect), the same schedule as engine-raw-publisher.js
// (message k due at start + k / rate, to device k mod N), a sequence number and send time in
// each 64-byte payload, `client.publish` per message. QoS 1 acks are counted from the publish
// callbacks. Settings: FB_ENGINE_* (engine-wire.js).
import { randomBytes } from 'node:crypto';
import { connect } from 'mqtt';
import { paced, settings, timeline, until } from './engine-wire.js';

const TICK_MS = 5;
const s = settings();
const line = timeline();
const run = randomBytes(3).toString('hex');
const clients = [];
let connected = 0;
let acked = 0;

await paced(s.devices, s.connectPerS, (i) => {
  const client = connect(`mqtt://127.0.0.1:${s.port}`, {
    clientId: `fb-mqttjs-${run}-${i}`,
    protocolVersion: 4,
    clean: true,
    keepalive: 60,
    reconnectPeriod: 0,
  });
  client.once('connect', () => {
    connected++;
    line.connected(1);
  });
  client.on('error', (err) => process.stderr.write(`device ${i}: ${err.message}\n`));
  clients.push(client);
});
await until(() => connected === s.devices, 60_000, `${s.devices} CONNACKs`);

const perMs = s.devices / s.intervalMs;
const total = Math.floor(s.durationMs * perMs);
const topics = clients.map((_, i) => `fbbench/${run}/${i}`);
const onAck = (err) => {
  if (!err) {
    acked++;
    line.acked(1);
  }
};
let sent = 0;
line.phase('run');
const start = Date.now();
await new Promise((resolve) => {
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor((Date.now() - start) * perMs));
    const from = sent;
    for (; sent < due; sent++) {
      const device = sent % s.devices;
      const payload = Buffer.alloc(s.payloadBytes);
      payload.writeUInt32BE(sent >>> 0, 0);
      payload.writeDoubleBE(Date.now(), 4);
      clients[device].publish(topics[device], payload, { qos: s.qos }, s.qos > 0 ? onAck : undefined);
    }
    if (sent > from) line.sent(sent - from);
    if (sent >= total || Date.now() - start > s.durationMs + 5000) {
      clearInterval(timer);
      resolve();
    }
  }, TICK_MS);
});

line.phase('drain');
if (s.qos > 0) await until(() => acked >= sent, 5000, 'PUBACKs').catch(() => undefined);
let closed = 0;
for (const client of clients) client.end(false, {}, () => closed++);
await until(() => closed === clients.length, 5000, 'clients closed').catch(() => undefined);
line.phase('done');
line.write(s.out, { sent, acked, devices: s.devices });
process.exit(0);
