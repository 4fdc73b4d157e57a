// The memory floor beside fleetbench's idle devices in `npm run bench -- engine`: N bare
// net.Socket clients to the same broker, each with a hand-built CONNECT (MQTT 3.1.1 §3.1,
// keepalive 60 s), one SUBSCRIBE (§3.8) and its own PINGREQ timer (§3.1.2.10), idle for the
// run phase, then DISCONNECT. Its heap is read by the same probe (engine-heap-probe.cjs).
// Settings: FB_ENGINE_* (engine-wire.js); FB_ENGINE_DURATION_MS is the idle phase.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import {
  connectPacket,
  DISCONNECT,
  frameSplitter,
  PINGREQ,
  paced,
  settings,
  subscribePacket,
  timeline,
  until,
} from './engine-wire.js';

const KEEPALIVE_S = 60;
const s = settings();
const line = timeline();
const run = randomBytes(3).toString('hex');
const sockets = [];
const timers = [];
let connected = 0;
let subscribed = 0;

await paced(s.devices, s.connectPerS, (i) => {
  const socket = connect(s.port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.on('connect', () => {
    socket.write(connectPacket(`fb-bare-${run}-${i}`, KEEPALIVE_S));
    socket.write(subscribePacket(1, `fbbench/bare/${i}/cmd`));
    timers.push(setInterval(() => socket.write(PINGREQ), KEEPALIVE_S * 1000));
  });
  socket.on(
    'data',
    frameSplitter((type) => {
      if (type === 2) {
        connected++;
        line.connected(1);
      } else if (type === 9) subscribed++;
    }),
  );
  socket.on('error', (err) => process.stderr.write(`device ${i}: ${err.message}\n`));
  sockets.push(socket);
});
await until(() => connected === s.devices && subscribed === s.devices, 120_000, `${s.devices} CONNACKs and SUBACKs`);

line.phase('run');
await new Promise((r) => setTimeout(r, s.durationMs));
line.phase('drain');
for (const t of timers) clearInterval(t);
for (const socket of sockets) socket.end(DISCONNECT);
await until(() => sockets.every((x) => x.closed), 10_000, 'sockets closed').catch(() => undefined);
line.phase('done');
line.write(s.out, { sent: 0, acked: 0, devices: s.devices });
process.exit(0);
