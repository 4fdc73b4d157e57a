// The measurement stamp carried inside every generated payload. It identifies the stream
// (fleet + device) and sequence number, and carries the intended and actual send times on the
// process-wide microsecond clock, so any receiver can compute corrected and service latency.
//
// Binary form (20 bytes, big-endian), placed at the start of binary payloads:
//   0xFB 0x01 | stream u32 | seq u32 | intended µs u48 | (actual - intended) µs u32, saturating
// Text form (28 chars), embedded in JSON/template payloads: '~fb1' + base64url(bytes 2..19).
// The intended time travels XORed with the run's 48-bit key (runKey): a receiver decoding
// another run's stamp with its own key reads a time far outside its own run, so two runs
// sharing a broker, a topic or a port never count each other's messages (receipts.ts).

import { createHash } from 'node:crypto';
import { nowUs } from './clock.ts';

export const STAMP_BYTES = 20;
export const STAMP_TEXT_LENGTH = 28;
const MAGIC = 0xfb;
const VERSION = 1;
const TEXT_PREFIX = '~fb1';
const TEXT_PREFIX_BUF = Buffer.from(TEXT_PREFIX, 'latin1');
const MAX_U32 = 0xffff_ffff;
const MAX_U48 = 2 ** 48 - 1;

/** Fleets are numbered in scenario order; devices within a fleet by index. */
export const MAX_DEVICES_PER_FLEET = 1 << 20;
export const MAX_FLEETS = 4096;

export interface Stamp {
  stream: number;
  seq: number;
  /** Intended send time (µs, process monotonic clock): what the schedule asked for. */
  intendedUs: number;
  /** Actual send time (µs): when the message was handed to the protocol client. */
  sentUs: number;
}

export function streamId(fleetIndex: number, deviceIndex: number): number {
  return fleetIndex * MAX_DEVICES_PER_FLEET + deviceIndex;
}

export function streamFleet(stream: number): number {
  return Math.floor(stream / MAX_DEVICES_PER_FLEET);
}

export function streamDevice(stream: number): number {
  return stream % MAX_DEVICES_PER_FLEET;
}

/** The 48-bit key of a run (0 = no key): the first six bytes of sha256(runId). */
export function runKey(runId: string): number {
  return createHash('sha256').update(runId).digest().readUIntBE(0, 6);
}

/** a XOR b on 48-bit values (JavaScript's ^ works on 32 bits only). */
function xor48(a: number, b: number): number {
  if (b === 0) return a;
  const hi = (Math.floor(a / 2 ** 24) ^ Math.floor(b / 2 ** 24)) >>> 0;
  const lo = ((a % 2 ** 24) ^ (b % 2 ** 24)) >>> 0;
  return hi * 2 ** 24 + lo;
}

function writeBody(buf: Buffer, offset: number, s: Stamp, key: number): void {
  const intended = Math.min(MAX_U48, Math.max(0, Math.round(s.intendedUs)));
  const delta = Math.min(MAX_U32, Math.max(0, Math.round(s.sentUs - s.intendedUs)));
  buf.writeUInt32BE(s.stream >>> 0, offset);
  buf.writeUInt32BE(s.seq >>> 0, offset + 4);
  buf.writeUIntBE(xor48(intended, key), offset + 8, 6);
  buf.writeUInt32BE(delta, offset + 14);
}

function readBody(buf: Buffer, offset: number, key: number): Stamp {
  const intendedUs = xor48(buf.readUIntBE(offset + 8, 6), key);
  return {
    stream: buf.readUInt32BE(offset),
    seq: buf.readUInt32BE(offset + 4),
    intendedUs,
    sentUs: intendedUs + buf.readUInt32BE(offset + 14),
  };
}

/** Writes the binary stamp into `target` at `offset` (default 0), keyed with `key` (runKey). */
export function writeStamp(target: Buffer, s: Stamp, offset = 0, key = 0): void {
  target[offset] = MAGIC;
  target[offset + 1] = VERSION;
  writeBody(target, offset + 2, s, key);
}

export function encodeStampText(s: Stamp, key = 0): string {
  const body = Buffer.allocUnsafe(STAMP_BYTES - 2);
  writeBody(body, 0, s, key);
  return TEXT_PREFIX + body.toString('base64url');
}

/**
 * Finds and decodes the stamp in a received payload: binary at offset 0, or the text form
 * anywhere in the payload. Returns undefined for payloads fleetbench did not generate.
 */
export function decodeStamp(payload: Buffer, key = 0): Stamp | undefined {
  if (payload.length >= STAMP_BYTES && payload[0] === MAGIC && payload[1] === VERSION) return readBody(payload, 2, key);
  const at = payload.indexOf(TEXT_PREFIX_BUF);
  if (at < 0 || at + STAMP_TEXT_LENGTH > payload.length) return undefined;
  const body = Buffer.from(payload.toString('latin1', at + TEXT_PREFIX.length, at + STAMP_TEXT_LENGTH), 'base64url');
  return body.length === STAMP_BYTES - 2 ? readBody(body, 0, key) : undefined;
}

/**
 * A bare stamp of `stream` and `seq` taken now: a Last Will's, whose connection opens long
 * before the drop that publishes it (numbered by that drop: the device's kills so far).
 */
export function stampNow(stream: number, seq: number, key: number): Buffer {
  const payload = Buffer.allocUnsafe(STAMP_BYTES);
  const now = nowUs();
  writeStamp(payload, { stream, seq, intendedUs: now, sentUs: now }, 0, key);
  return payload;
}
