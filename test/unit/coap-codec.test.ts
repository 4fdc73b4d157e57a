// CoAP wire helpers and option validation: Block values (RFC 7959 §2.2), uint options
// (RFC 7252 §3.2), Observe freshness (RFC 7641 §3.4), the §4.8.2 derived times, and the
// errors a user gets for bad coap({...}) options.
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import {
  decodeBlock,
  decodeUint,
  encodeBlock,
  encodeUint,
  generate,
  isFresher,
  parse,
  pathOf,
  pathOptions,
} from '../../src/protocols/coap/codec.ts';
import { derivedTimes, resolveCoapOptions } from '../../src/protocols/coap/options.ts';

describe('CoAP codec helpers', () => {
  it('encodes uint option values in the fewest bytes, 0 as empty (§3.2)', () => {
    expect(encodeUint(0).length).toBe(0);
    expect([...encodeUint(42)]).toEqual([42]);
    expect([...encodeUint(0x1234)]).toEqual([0x12, 0x34]);
    expect([...encodeUint(0xabcdef)]).toEqual([0xab, 0xcd, 0xef]);
    for (const n of [0, 1, 255, 256, 65535, 65536, 0xffffff]) expect(decodeUint(encodeUint(n))).toBe(n);
  });

  it('packs Block options as NUM | M | SZX (RFC 7959 §2.2)', () => {
    // num 0, more, 1024 bytes: SZX 6 → 0b0000_1_110 = 0x0e.
    expect([...encodeBlock({ num: 0, more: true, size: 1024 })]).toEqual([0x0e]);
    // num 1, last, 64 bytes: SZX 2 → (1 << 4) | 2 = 0x12.
    expect([...encodeBlock({ num: 1, more: false, size: 64 })]).toEqual([0x12]);
    expect(encodeBlock({ num: 0, more: false, size: 16 }).length).toBe(0);
    for (const b of [
      { num: 0, more: false, size: 16 },
      { num: 5, more: true, size: 256 },
      { num: 4095, more: true, size: 1024 },
      { num: 70_000, more: false, size: 512 },
    ])
      expect(decodeBlock(encodeBlock(b))).toEqual(b);
    // SZX 7 is reserved; longer than 3 bytes is malformed.
    expect(decodeBlock(Buffer.from([0x07]))).toBeUndefined();
    expect(decodeBlock(Buffer.from([1, 2, 3, 4]))).toBeUndefined();
  });

  it('splits paths into Uri-Path and Uri-Query options and composes them back (§6.4, §6.5)', () => {
    const options = pathOptions('/telemetry/7?unit=c&x');
    expect(options.map((o) => `${o.name}=${o.value.toString()}`)).toEqual([
      'Uri-Path=telemetry',
      'Uri-Path=7',
      'Uri-Query=unit=c',
      'Uri-Query=x',
    ]);
    const packet = parse(
      generate({ code: '0.02', messageId: 1, token: Buffer.alloc(0), options, payload: Buffer.alloc(0) }),
    );
    expect(pathOf(packet)).toBe('/telemetry/7');
    expect(pathOf(parse(generate({ code: '0.01', messageId: 2, options: [] })))).toBe('/');
  });

  it('orders Observe numbers with 24-bit serial arithmetic or 128 s apart (RFC 7641 §3.4)', () => {
    expect(isFresher(1, 0, 2, 0)).toBe(true);
    expect(isFresher(2, 0, 1, 0)).toBe(false);
    // Wrap-around: 2^24 − 1 → 0 is newer.
    expect(isFresher(0xffffff, 0, 0, 0)).toBe(true);
    expect(isFresher(0, 0, 0xffffff, 0)).toBe(false);
    // An older number received 128 s later is still fresher.
    expect(isFresher(10, 0, 5, 128_001)).toBe(true);
  });

  it('derives MAX_TRANSMIT_SPAN, MAX_TRANSMIT_WAIT and EXCHANGE_LIFETIME as §4.8.2 lists them', () => {
    const d = derivedTimes({ ackTimeoutMs: 2000, ackRandomFactor: 1.5, maxRetransmit: 4, nstart: 1 });
    expect(d.maxTransmitSpanMs).toBe(45_000);
    expect(d.maxTransmitWaitMs).toBe(93_000);
    expect(d.exchangeLifetimeMs).toBe(247_000);
  });
});

describe('coap({...}) options', () => {
  const resolve = (raw: unknown) => {
    const check = new Checker();
    const o = resolveCoapOptions(raw, 'fleets.soil.protocol', check);
    return { o, problems: check.problems };
  };

  it('applies the RFC 7252 defaults', () => {
    const { o, problems } = resolve({});
    expect(problems).toEqual([]);
    expect(o).toMatchObject({
      type: 'CON',
      method: 'POST',
      contentFormat: 42,
      blockSize: 1024,
      transmission: { ackTimeoutMs: 2000, ackRandomFactor: 1.5, maxRetransmit: 4, nstart: 1 },
      target: 'coap',
      deregister: 'get',
    });
  });

  it('accepts media type names for Content-Format and per-fleet transmission parameters', () => {
    const { o } = resolve({
      type: 'NON',
      contentFormat: 'application/json',
      ackTimeout: '100ms',
      ackRandomFactor: 1,
      maxRetransmit: 2,
      nstart: 4,
      blockSize: 64,
      serve: { port: 40000, notify: 'CON' },
    });
    expect(o?.contentFormat).toBe(50);
    expect(o?.transmission).toEqual({ ackTimeoutMs: 100, ackRandomFactor: 1, maxRetransmit: 2, nstart: 4 });
    expect(o?.serve).toEqual({ port: 40000, auto: false, host: '127.0.0.1', notify: 'CON', maxAgeSec: 60 });
  });

  it('takes No-Response (RFC 7967) on NON requests, off by default', () => {
    expect(resolve({}).o?.noResponse).toBe(false);
    const { o, problems } = resolve({ type: 'NON', noResponse: true });
    expect(problems).toEqual([]);
    expect(o?.noResponse).toBe(true);
  });

  it.each([
    [{ type: 'CONFIRMABLE' }, 'fleets.soil.protocol.type: expected one of "CON", "NON"'],
    [{ method: 'PATCH' }, 'fleets.soil.protocol.method: expected one of "GET", "POST", "PUT", "DELETE"'],
    [
      { ackRandomFactor: 0.5 },
      'fleets.soil.protocol.ackRandomFactor: expected a number from 1.0 to 10 (RFC 7252 §4.8: not below 1.0)',
    ],
    [{ blockSize: 100 }, 'fleets.soil.protocol.blockSize: expected one of 16, 32, 64, 128, 256, 512, 1024'],
    [{ contentFormat: 'image/png' }, 'fleets.soil.protocol.contentFormat: expected a Content-Format number or one of'],
    [{ ackTimeout: 'soon' }, 'fleets.soil.protocol.ackTimeout: expected a positive duration'],
    [{ serve: { port: 70000 } }, 'fleets.soil.protocol.serve.port: expected at most 65535'],
    [{ qos: 1 }, 'fleets.soil.protocol.qos: unknown field'],
    [{ noResponse: true }, `fleets.soil.protocol.noResponse: needs type: 'NON' (RFC 7967 §2`],
    [{ type: 'CON', noResponse: true }, 'got type "CON"'],
    [{ type: 'NON', noResponse: 'yes' }, 'fleets.soil.protocol.noResponse: expected true or false'],
  ])('rejects %j with a message naming the field', (raw, message) => {
    const { problems } = resolve(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });
});
