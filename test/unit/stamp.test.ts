// The measurement stamp every payload carries: what a receiver decodes must be what the sender
// stamped (stream, seq, intended and actual send times), and foreign payloads must not decode.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/dsl/schedule.ts';
import {
  decodeStamp,
  encodeStampText,
  MAX_DEVICES_PER_FLEET,
  MAX_FLEETS,
  STAMP_BYTES,
  STAMP_TEXT_LENGTH,
  type Stamp,
  streamDevice,
  streamFleet,
  streamId,
  writeStamp,
} from '../../src/metrics/stamp.ts';

const MAX_U32 = 0xffff_ffff;

function binary(stamp: Stamp): Buffer {
  const buf = Buffer.alloc(STAMP_BYTES);
  writeStamp(buf, stamp);
  return buf;
}

describe('stamp sizes', () => {
  it('is 20 bytes in binary and 28 characters as text', () => {
    expect(STAMP_BYTES).toBe(20);
    expect(STAMP_TEXT_LENGTH).toBe(28);
    const text = encodeStampText({
      stream: MAX_U32,
      seq: MAX_U32,
      intendedUs: 2 ** 48 - 1,
      sentUs: 2 ** 48 - 1 + MAX_U32,
    });
    expect(text).toHaveLength(28);
    expect(text.startsWith('~fb1')).toBe(true);
    expect(text).toMatch(/^~fb1[A-Za-z0-9_-]{24}$/);
  });
});

describe('binary stamp', () => {
  it.each<[string, Stamp]>([
    ['small values', { stream: 3, seq: 7, intendedUs: 1000, sentUs: 1250 }],
    ['zero', { stream: 0, seq: 0, intendedUs: 0, sentUs: 0 }],
    [
      'process-uptime-scale times (~11 days in µs)',
      { stream: streamId(12, 99_999), seq: 4_000_000_000, intendedUs: 987_654_321_012, sentUs: 987_654_322_246 },
    ],
    ['the largest stream and seq', { stream: MAX_U32, seq: MAX_U32, intendedUs: 2 ** 48 - 1, sentUs: 2 ** 48 - 1 + 5 }],
  ])('round-trips %s', (_label, stamp) => {
    expect(decodeStamp(binary(stamp))).toEqual(stamp);
  });

  it('decodes from the start of a larger payload', () => {
    const stamp = { stream: 42, seq: 9, intendedUs: 5_000_000, sentUs: 5_000_017 };
    const buf = Buffer.alloc(256, 0x61);
    writeStamp(buf, stamp);
    expect(decodeStamp(buf)).toEqual(stamp);
  });

  it('writes at an offset without touching the bytes around it', () => {
    const stamp = { stream: 1, seq: 2, intendedUs: 3, sentUs: 4 };
    const buf = Buffer.alloc(STAMP_BYTES + 8, 0xee);
    writeStamp(buf, stamp, 4);
    expect(buf.subarray(0, 4)).toEqual(Buffer.alloc(4, 0xee));
    expect(buf.subarray(STAMP_BYTES + 4)).toEqual(Buffer.alloc(4, 0xee));
    expect(decodeStamp(buf.subarray(4))).toEqual(stamp);
  });

  it('rounds fractional microseconds to within 1 µs', () => {
    const decoded = decodeStamp(binary({ stream: 1, seq: 1, intendedUs: 1_234_567_890.6, sentUs: 1_234_568_001.3 }));
    expect(decoded?.intendedUs).toBe(1_234_567_891);
    expect(Number.isInteger(decoded?.sentUs)).toBe(true);
    expect(Math.abs((decoded?.sentUs ?? 0) - 1_234_568_001.3)).toBeLessThan(1);
  });

  it('saturates a send earlier than intended to a zero delay', () => {
    const decoded = decodeStamp(binary({ stream: 1, seq: 1, intendedUs: 10_000, sentUs: 9_000 }));
    expect(decoded).toMatchObject({ intendedUs: 10_000, sentUs: 10_000 });
  });

  it('saturates a delay beyond 2^32-1 µs (~71 min) instead of wrapping round', () => {
    const decoded = decodeStamp(binary({ stream: 1, seq: 1, intendedUs: 1_000, sentUs: 1_000 + MAX_U32 + 5_000 }));
    expect(decoded).toMatchObject({ intendedUs: 1_000, sentUs: 1_000 + MAX_U32 });
  });
});

describe('text stamp', () => {
  const stamp: Stamp = {
    stream: streamId(3, 17),
    seq: 123_456,
    intendedUs: 1_000_000_000_123,
    sentUs: 1_000_000_004_567,
  };

  it('decodes from the middle of a JSON document', () => {
    const payload = Buffer.from(JSON.stringify({ lat: 52.1, lon: 4.3, _fb: encodeStampText(stamp), note: 'ok' }));
    expect(decodeStamp(payload)).toEqual(stamp);
  });

  it('decodes at the very end of a payload', () => {
    expect(decodeStamp(Buffer.from(`reading=17 ${encodeStampText(stamp)}`))).toEqual(stamp);
  });

  it('carries the same values as the binary stamp', () => {
    const samples: Stamp[] = [
      { stream: 0, seq: 0, intendedUs: 0, sentUs: 0 },
      { stream: MAX_U32, seq: MAX_U32, intendedUs: 2 ** 48 - 1, sentUs: 2 ** 48 - 1 + 1 },
      { stream: 5, seq: 6, intendedUs: 7, sentUs: 3 },
    ];
    for (const s of samples) expect(decodeStamp(Buffer.from(encodeStampText(s)))).toEqual(decodeStamp(binary(s)));
  });
});

describe('foreign payloads', () => {
  it('do not decode: random bytes that do not start with the magic', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 100) }, () => Math.floor(random() * 256)));
      if (buf[0] === 0xfb) buf[0] = 0;
      expect(decodeStamp(buf)).toBeUndefined();
    }
  });

  it.each<[string, Buffer]>([
    ['an empty payload', Buffer.alloc(0)],
    ['a binary stamp one byte short', Buffer.from([0xfb, 0x01, ...new Array<number>(17).fill(0)])],
    ['the magic with another version', Buffer.from([0xfb, 0x02, ...new Array<number>(30).fill(0)])],
    ['plain JSON', Buffer.from('{"temperature":21.5,"unit":"C"}')],
    [
      'a truncated text stamp',
      Buffer.from(`{"_fb":"${encodeStampText({ stream: 1, seq: 1, intendedUs: 1, sentUs: 1 }).slice(0, 20)}`),
    ],
    ['the text prefix followed by non-base64', Buffer.from('~fb1!!!!!!!!!!!!!!!!!!!!!!!!!!!!')],
  ])('do not decode: %s', (_label, payload) => {
    expect(decodeStamp(payload)).toBeUndefined();
  });
});

describe('stream ids', () => {
  it.each([
    [0, 0],
    [3, 7],
    [1, MAX_DEVICES_PER_FLEET - 1],
    [MAX_FLEETS - 1, MAX_DEVICES_PER_FLEET - 1],
  ])('fleet %d device %d round-trips through the id and the stamp', (fleet, device) => {
    const id = streamId(fleet, device);
    expect([streamFleet(id), streamDevice(id)]).toEqual([fleet, device]);
    const decoded = decodeStamp(binary({ stream: id, seq: 0, intendedUs: 0, sentUs: 0 }));
    expect(decoded?.stream).toBe(id);
  });

  it('are distinct for neighbouring fleets and devices', () => {
    expect(streamId(1, 0)).not.toBe(streamId(0, MAX_DEVICES_PER_FLEET - 1));
    expect(streamId(1, 0)).toBe(MAX_DEVICES_PER_FLEET);
  });

  it('fit in the stamp: the last fleet and device give 2^32 - 1', () => {
    expect(streamId(MAX_FLEETS - 1, MAX_DEVICES_PER_FLEET - 1)).toBe(MAX_U32);
  });
});
