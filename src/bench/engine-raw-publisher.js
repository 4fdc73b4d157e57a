// The floor of `npm run bench -- engine`: the least a Node publisher can do for the same load
// as fleetbench's bench scenario (same device count, topic shape, 64-byte payload and rate).
// One net.Socket per device, hand-built CONNECT/PUBLISH bytes (MQTT 3.1.1 §3.1, §3.3), a
// sequence number and send time written into each payload, and one write per socket per tick.
// QoS 1 PUBACKs (§3.4) are counted, nothing else is checked. Settings: FB_ENGINE_* (engine-wire.js).
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import {
  connectPacket,
  DISCONNECT,
  frameSplitter,
  paced,
  publishTemplate,
  settings,
  timeline,
  until,
} from './engine-wire.js';

const TICK_MS = 5;
const s = settings();
const line = timeline();
const run = randomBytes(3).toString('hex');
const sockets = [];
const templates = [];
const nextId = [];
let connected = 0;
let acked = 0;

await paced(s.devices, s.connectPerS, (i) => {
  const socket = connect(s.port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.on('connect', () => socket.write(connectPacket(`fb-raw-${run}-${i}`, 60)));
  socket.on(
    'data',
    frameSplitter((type) => {
      if (type === 2) {
        connected++;
        line.connected(1);
      } else if (type === 4) {
        acked++;
        line.acked(1);
      }
    }),
  );
  socket.on('error', (err) => {
    process.stderr.write(`device ${i}: ${err.message}\n`);
  });
  sockets.push(socket);
  templates.push(publishTemplate(`fbbench/${run}/${i}`, Buffer.alloc(s.payloadBytes), s.qos));
  nextId.push(1);
});
await until(() => connected === s.devices, 60_000, `${s.devices} CONNACKs`);

// Open loop: message k is due at start + k / rate and goes to device k mod N.
const perMs = s.devices / s.intervalMs;
const total = Math.floor(s.durationMs * perMs);
let sent = 0;
line.phase('run');
const start = Date.now();
await new Promise((resolve) => {
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor((Date.now() - start) * perMs));
    const batch = new Map();
    for (; sent < due; sent++) {
      const device = sent % s.devices;
      const t = templates[device];
      const buf = Buffer.from(t.bytes);
      const payloadAt = t.bytes.length - s.payloadBytes;
      buf.writeUInt32BE(sent >>> 0, payloadAt);
      buf.writeDoubleBE(Date.now(), payloadAt + 4);
      if (s.qos > 0) {
        buf.writeUInt16BE(nextId[device], t.idOffset);
        nextId[device] = nextId[device] === 0xffff ? 1 : nextId[device] + 1;
      }
      const list = batch.get(device);
      if (list) list.push(buf);
      else batch.set(device, [buf]);
    }
    let n = 0;
    for (const [device, list] of batch) {
      sockets[device].write(list.length === 1 ? list[0] : Buffer.concat(list));
      n += list.length;
    }
    if (n > 0) line.sent(n);
    if (sent >= total || Date.now() - start > s.durationMs + 5000) {
      clearInterval(timer);
      resolve();
    }
  }, TICK_MS);
});

line.phase('drain');
if (s.qos > 0) await until(() => acked >= sent, 5000, 'PUBACKs').catch(() => undefined);
for (const socket of sockets) socket.end(DISCONNECT);
await until(() => sockets.every((x) => x.closed), 5000, 'sockets closed').catch(() => undefined);
line.phase('done');
line.write(s.out, { sent, acked, devices: s.devices });
process.exit(0);
