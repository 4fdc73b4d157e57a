// Payload generators: every payload is exactly the configured size and carries a stamp a
// receiver can decode, whatever the user's JSON or template looks like.
import { describe, expect, it } from 'vitest';
import { bytes, createPayloadGenerator, json, type PayloadContext, template } from '../../src/dsl/payload.ts';
import { seededRandom } from '../../src/dsl/schedule.ts';
import { decodeStamp, STAMP_BYTES, type Stamp } from '../../src/metrics/stamp.ts';

const stamp: Stamp = { stream: 3 * 2 ** 20 + 7, seq: 42, intendedUs: 1_000_000_000_123, sentUs: 1_000_000_000_456 };

function ctx(overrides: Partial<PayloadContext> = {}): PayloadContext {
  return { id: 7, fleet: 'gps', seq: 42, elapsedMs: 1234.4, random: seededRandom(1), ...overrides };
}

describe('bytes(n)', () => {
  it.each([20, 21, 64, 1024, 65_536])('yields exactly %d bytes with a decodable stamp', (size) => {
    const { buffer, oversize } = createPayloadGenerator(bytes(size))(ctx(), stamp);
    expect(buffer).toHaveLength(size);
    expect(oversize).toBe(false);
    expect(decodeStamp(buffer)).toEqual(stamp);
  });

  it('gives every message its own stamp without sharing buffers', () => {
    const generate = createPayloadGenerator(bytes(64));
    const a = generate(ctx(), stamp).buffer;
    const b = generate(ctx({ seq: 43 }), { ...stamp, seq: 43 }).buffer;
    expect(decodeStamp(a)?.seq).toBe(42);
    expect(decodeStamp(b)?.seq).toBe(43);
    expect(a.subarray(STAMP_BYTES)).toEqual(b.subarray(STAMP_BYTES));
  });
});

describe('json(fn)', () => {
  const reading = json((c) => ({ device: c.id, fleet: c.fleet, temp: 21.5 }));

  it('is unpadded JSON of the user fields plus the stamp when no size is given', () => {
    const { buffer, oversize } = createPayloadGenerator(reading)(ctx(), stamp);
    const parsed = JSON.parse(buffer.toString()) as Record<string, unknown>;
    expect(parsed).toMatchObject({ device: 7, fleet: 'gps', temp: 21.5 });
    expect(Object.keys(parsed)).toEqual(['device', 'fleet', 'temp', '_fb']);
    expect(decodeStamp(buffer)).toEqual(stamp);
    expect(oversize).toBe(false);
  });

  it.each([0, 1, 5, 9, 10, 11, 100, 4000])(
    'pads to exactly the natural size + %d bytes and stays valid JSON',
    (extra) => {
      const natural = createPayloadGenerator(reading)(ctx(), stamp).buffer.length;
      const { buffer, oversize } = createPayloadGenerator(json(reading.fn, { size: natural + extra }))(ctx(), stamp);
      expect(buffer).toHaveLength(natural + extra);
      expect(oversize).toBe(false);
      expect(JSON.parse(buffer.toString())).toMatchObject({ device: 7, fleet: 'gps', temp: 21.5 });
      expect(decodeStamp(buffer)).toEqual(stamp);
    },
  );

  it('counts the size in bytes, not characters, for non-ASCII values', () => {
    const { buffer } = createPayloadGenerator(json(() => ({ site: 'Zürich — 東京' }), { size: 120 }))(ctx(), stamp);
    expect(buffer).toHaveLength(120);
    expect(JSON.parse(buffer.toString())).toMatchObject({ site: 'Zürich — 東京' });
  });

  it('flags a size too small for the natural JSON as oversize and sends the whole JSON', () => {
    const natural = createPayloadGenerator(reading)(ctx(), stamp).buffer;
    const { buffer, oversize } = createPayloadGenerator(json(reading.fn, { size: 30 }))(ctx(), stamp);
    expect(oversize).toBe(true);
    expect(buffer).toEqual(natural);
    expect(decodeStamp(buffer)).toEqual(stamp);
  });

  it('wraps a value that is not an object as { value }', () => {
    for (const value of [42, 'on', [1, 2], null]) {
      const { buffer } = createPayloadGenerator(json(() => value))(ctx(), stamp);
      expect(JSON.parse(buffer.toString())).toMatchObject({ value });
      expect(decodeStamp(buffer)).toEqual(stamp);
    }
  });

  it('passes the device context to the user function', () => {
    const seen: PayloadContext[] = [];
    createPayloadGenerator(
      json((c) => {
        seen.push(c);
        return {};
      }),
    )(ctx({ id: 3, seq: 9 }), stamp);
    expect(seen[0]).toMatchObject({ id: 3, fleet: 'gps', seq: 9, elapsedMs: 1234.4 });
  });
});

describe('template(text)', () => {
  it('renders {id} {fleet} {seq} {elapsed} {rand:1:2} {stamp} and pads with spaces to size', () => {
    const { buffer, oversize } = createPayloadGenerator(
      template('id={id} f={fleet} s={seq} e={elapsed} r={rand:1:2} st={stamp}', { size: 120 }),
    )(ctx(), stamp);
    expect(buffer).toHaveLength(120);
    expect(oversize).toBe(false);
    const text = buffer.toString();
    const match = /^id=7 f=gps s=42 e=1234 r=(\d\.\d\d) st=~fb1[A-Za-z0-9_-]{24} +$/.exec(text);
    expect(match, text).not.toBeNull();
    const r = Number(match?.[1]);
    expect(r).toBeGreaterThanOrEqual(1);
    expect(r).toBeLessThanOrEqual(2);
    expect(decodeStamp(buffer)).toEqual(stamp);
  });

  it('draws {rand:min:max} from the device random, so a seed reproduces it', () => {
    const spec = template('{rand:-10:10}|{rand:-10:10}');
    const render = (seed: number): string =>
      createPayloadGenerator(spec)(ctx({ random: seededRandom(seed) }), stamp)
        .buffer.toString()
        .split('~fb1')[0] ?? '';
    expect(render(5)).toBe(render(5));
    expect(render(5)).not.toBe(render(6));
    for (const n of render(5).split('|').map(Number)) {
      expect(n).toBeGreaterThanOrEqual(-10);
      expect(n).toBeLessThanOrEqual(10);
    }
  });

  it('appends the stamp when the text has no {stamp}', () => {
    const { buffer } = createPayloadGenerator(template('{"temp":{rand:20:25},"id":{id}}', { size: 80 }))(ctx(), stamp);
    expect(buffer).toHaveLength(80);
    expect(buffer.toString().startsWith('{"temp":2')).toBe(true);
    expect(decodeStamp(buffer)).toEqual(stamp);
  });

  it('is unpadded without a size and oversize when the size is too small', () => {
    const plain = createPayloadGenerator(template('hello {id}'))(ctx(), stamp);
    expect(plain.buffer.toString()).toMatch(/^hello 7~fb1[A-Za-z0-9_-]{24}$/);
    expect(plain.oversize).toBe(false);
    const small = createPayloadGenerator(template('hello {id} {stamp}', { size: 20 }))(ctx(), stamp);
    expect(small.oversize).toBe(true);
    expect(small.buffer.toString()).toMatch(/^hello 7 ~fb1/);
    expect(decodeStamp(small.buffer)).toEqual(stamp);
  });

  it('leaves unknown placeholders as they are', () => {
    const { buffer } = createPayloadGenerator(template('{name} {id}'))(ctx(), stamp);
    expect(buffer.toString().startsWith('{name} 7')).toBe(true);
  });
});
