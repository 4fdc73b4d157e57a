// Shared by the engine bench's standalone baselines (engine-raw-publisher.js,
// engine-bare-sockets.js): hand-built MQTT 3.1.1 packets, a frame splitter for what the broker
// sends back, the settings they read from the environment, and a per-second timeline in the
// shape of fleetbench's result (t, phase, sent, acked, connected), so the harness cuts the
// same steady window out of every engine's run. Plain JavaScript: no loader in the child.
import { writeFileSync } from 'node:fs';

/** Remaining Length, MQTT 3.1.1 §2.2.3: 7 bits per byte, high bit = more follow. */
export function remainingLength(n) {
  const out = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

function str(s) {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function packet(firstByte, body) {
  return Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body]);
}

/** CONNECT, §3.1: protocol name 'MQTT', level 4, clean session (flags 0x02), keepalive, client id. */
export function connectPacket(clientId, keepaliveS) {
  const head = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, keepaliveS >> 8, keepaliveS & 0xff]);
  return packet(0x10, Buffer.concat([head, str(clientId)]));
}

/**
 * PUBLISH, §3.3, with the packet identifier's two bytes left at zero for QoS 1 (the caller
 * writes it at `idOffset`): 0x30 | QoS << 1, topic, [packet id], payload.
 */
export function publishTemplate(topic, payload, qos) {
  const idBytes = qos > 0 ? Buffer.alloc(2) : Buffer.alloc(0);
  const body = Buffer.concat([str(topic), idBytes, payload]);
  const bytes = packet(0x30 | (qos << 1), body);
  return { bytes, idOffset: bytes.length - payload.length - 2 };
}

/** SUBSCRIBE, §3.8: fixed header 0x82, packet id, one filter at QoS 0. */
export function subscribePacket(packetId, filter) {
  const id = Buffer.from([packetId >> 8, packetId & 0xff]);
  return packet(0x82, Buffer.concat([id, str(filter), Buffer.from([0])]));
}

/** PINGREQ §3.12 and DISCONNECT §3.14: two bytes each. */
export const PINGREQ = Buffer.from([0xc0, 0x00]);
export const DISCONNECT = Buffer.from([0xe0, 0x00]);

/**
 * Splits the broker's byte stream into packet types (the high nibble of each fixed header,
 * §2.2.1) and calls `onPacket(type)`; partial packets wait for the next chunk.
 */
export function frameSplitter(onPacket) {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    // Each turn consumes one whole packet or stops: bounded by the bytes held.
    while (at < pending.length) {
      let len = 0;
      let mul = 1;
      let i = at + 1;
      let complete = false;
      for (; i < pending.length && i < at + 5; i++) {
        const b = pending[i];
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          i++;
          break;
        }
      }
      if (!complete || i + len > pending.length) break;
      onPacket(pending[at] >> 4);
      at = i + len;
    }
    pending = pending.subarray(at);
  };
}

/** The case's settings, from FB_ENGINE_* variables set by the harness (engine-cases.ts). */
export function settings() {
  const env = process.env;
  const num = (name, fallback) => {
    const v = Number(env[name] ?? fallback);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number, got ${env[name]}`);
    return v;
  };
  return {
    port: num('FB_ENGINE_PORT', 1883),
    devices: num('FB_ENGINE_DEVICES', 100),
    intervalMs: num('FB_ENGINE_INTERVAL_MS', 100),
    durationMs: num('FB_ENGINE_DURATION_MS', 10_000),
    qos: num('FB_ENGINE_QOS', 0),
    payloadBytes: num('FB_ENGINE_PAYLOAD', 64),
    connectPerS: num('FB_ENGINE_CONNECT_RATE', 1000),
    out: env.FB_ENGINE_OUT ?? '',
  };
}

const PHASES = ['connect', 'run', 'drain', 'done'];

/** Per-second buckets from the start, each with the furthest phase it saw and the counts in it. */
export function timeline() {
  const startedAtMs = Date.now();
  const buckets = new Map();
  let phase = 'connect';
  let connected = 0;
  const bucket = () => {
    const t = Math.floor((Date.now() - startedAtMs) / 1000);
    let b = buckets.get(t);
    if (!b) {
      b = { t, phase, sent: 0, acked: 0, connected };
      buckets.set(t, b);
    }
    if (PHASES.indexOf(phase) > PHASES.indexOf(b.phase)) b.phase = phase;
    b.connected = connected;
    return b;
  };
  return {
    startedAtMs,
    phase(p) {
      phase = p;
      bucket();
    },
    connected(delta) {
      connected += delta;
      bucket();
    },
    sent(n) {
      bucket().sent += n;
    },
    acked(n) {
      bucket().acked += n;
    },
    write(out, extra) {
      bucket();
      const points = [...buckets.values()].sort((a, b) => a.t - b.t);
      if (out) writeFileSync(out, JSON.stringify({ startedAtMs, timeline: points, ...extra }));
    },
  };
}

/** Connects `count` things at `perS`, calling `open(i)` for each in turn; resolves when all were started. */
export async function paced(count, perS, open) {
  const start = Date.now();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / perS;
    const wait = due - Date.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    open(i);
  }
}

/** Resolves when `check()` holds, polling every 20 ms, or rejects after `ms` naming `what`. */
export async function until(check, ms, what) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
