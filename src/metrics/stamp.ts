// The measurement stamp carried inside every generated payload. It identifies the stream
// (fleet + device) and sequence number, and carries the intended and actual send times on the
// process-wide microsecond clock, so any receiver can compute corrected and service latency.
//
// Binary form (20 bytes, big-endian), placed at the start of binary payloads:
//   0xFB 0x01 | stream u32 | seq u32 | intended µs u48 | (actual - intended) µs u32, saturating
// Text form (28 chars), embedded in JSON/template payloads: '~fb1' + base64url(bytes 2..19).

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

function writeBody(buf: Buffer, offset: number, s: Stamp): void {
  const intended = Math.min(MAX_U48, Math.max(0, Math.round(s.intendedUs)));
  const delta = Math.min(MAX_U32, Math.max(0, Math.round(s.sentUs - s.intendedUs)));
  buf.writeUInt32BE(s.stream >>> 0, offset);
  buf.writeUInt32BE(s.seq >>> 0, offset + 4);
  buf.writeUIntBE(intended, offset + 8, 6);
  buf.writeUInt32BE(delta, offset + 14);
}

function readBody(buf: Buffer, offset: number): Stamp {
  const intendedUs = buf.readUIntBE(offset + 8, 6);
  return {
    stream: buf.readUInt32BE(offset),
    seq: buf.readUInt32BE(offset + 4),
    intendedUs,
    sentUs: intendedUs + buf.readUInt32BE(offset + 14),
  };
}

/** Writes the binary stamp into `target` at `offset` (default 0). */
export function writeStamp(target: Buffer, s: Stamp, offset = 0): void {
  target[offset] = MAGIC;
  target[offset + 1] = VERSION;
  writeBody(target, offset + 2, s);
}

export function encodeStampText(s: Stamp): string {
  const body = Buffer.allocUnsafe(STAMP_BYTES - 2);
  writeBody(body, 0, s);
  return TEXT_PREFIX + body.toString('base64url');
}

/**
 * Finds and decodes the stamp in a received payload: binary at offset 0, or the text form
 * anywhere in the payload. Returns undefined for payloads fleetbench did not generate.
 */
export function decodeStamp(payload: Buffer): Stamp | undefined {
  if (payload.length >= STAMP_BYTES && payload[0] === MAGIC && payload[1] === VERSION) return readBody(payload, 2);
  const at = payload.indexOf(TEXT_PREFIX_BUF);
  if (at < 0 || at + STAMP_TEXT_LENGTH > payload.length) return undefined;
  const body = Buffer.from(payload.toString('latin1', at + TEXT_PREFIX.length, at + STAMP_TEXT_LENGTH), 'base64url');
  return body.length === STAMP_BYTES - 2 ? readBody(body, 0) : undefined;
}
