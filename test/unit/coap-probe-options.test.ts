// What the CoAP probes need of the driver: extra request options (RFC 7252 §5.4) and mid-run
// deregistration (RFC 7641 §3.6) as validated options; the codes a final response is counted
// under (how it came, §5.2; a GET's Content-Format; Size2 against what came, RFC 7959 §4); and
// what a server refuses in a request's options (§5.4.1, §5.10.2, RFC 7959 §2.2).
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { encodeBlock, generate, parse, pathOptions } from '../../src/protocols/coap/codec.ts';
import { optionRefusal } from '../../src/protocols/coap/critical.ts';
import { countBlock2, type Exchange, finalResponseCodes, requestBuilder } from '../../src/protocols/coap/exchange.ts';
import { coapDriver } from '../../src/protocols/coap/index.ts';
import { resolveCoapOptions } from '../../src/protocols/coap/options.ts';

const resolve = (raw: unknown) => {
  const check = new Checker();
  const o = resolveCoapOptions(raw, 'fleets.req.protocol', check);
  return { o, problems: check.problems };
};

describe('coap({ extraOptions })', () => {
  it('takes numbers with text, uint or empty values, named by number for coap-packet', () => {
    const { o, problems } = resolve({
      extraOptions: [
        { number: 65001, value: 'x' },
        { number: 23, value: 7 },
        { number: 65000 },
        { number: 17, value: 0 },
      ],
    });
    expect(problems).toEqual([]);
    expect(o?.extraOptions).toEqual([
      { name: '65001', value: Buffer.from('x') },
      { name: '23', value: Buffer.from([7]) },
      { name: '65000', value: Buffer.alloc(0) },
      // §3.2: the uint 0 is the empty value.
      { name: '17', value: Buffer.alloc(0) },
    ]);
    expect(resolve({}).o?.extraOptions).toEqual([]);
  });

  it('puts them on the wire after the driver’s own options, on every block', () => {
    const build = requestBuilder({
      code: '0.01',
      confirmable: true,
      token: Buffer.from([1, 2, 3, 4]),
      uri: pathOptions('/a'),
      body: undefined,
      contentFormat: 42,
      observe: undefined,
      extra: [
        { name: '65001', value: Buffer.from('x') },
        { name: '35', value: Buffer.from('coap://h/p') },
      ],
    });
    const packet = parse(build(7, undefined, encodeBlock({ num: 1, more: false, size: 64 })));
    // Block2 1/0/64 is NUM 1, M 0, SZX 2: 0x12 (RFC 7959 §2.2).
    expect(packet.options.map((o) => [String(o.name), o.value.toString('hex')])).toEqual([
      ['Uri-Path', Buffer.from('a').toString('hex')],
      ['Block2', '12'],
      ['Proxy-Uri', Buffer.from('coap://h/p').toString('hex')],
      ['65001', Buffer.from('x').toString('hex')],
    ]);
  });

  it.each([
    [{ extraOptions: { number: 1 } }, 'fleets.req.protocol.extraOptions: expected a list of { number, value }'],
    [
      { extraOptions: [{ number: 0 }] },
      'fleets.req.protocol.extraOptions[0].number: expected a positive integer, got 0',
    ],
    [{ extraOptions: [{ number: 70000 }] }, 'extraOptions[0].number: expected at most 65535'],
    [
      { extraOptions: [{ number: 11, value: 'x' }] },
      'extraOptions[0].number: 11 is Uri-Path, which the driver sets itself',
    ],
    [{ extraOptions: [{ number: 6 }] }, '6 is Observe, which the driver sets itself'],
    [
      { extraOptions: [{ number: 9, value: -1 }] },
      'extraOptions[0].value: expected text, or an integer from 0 to 4294967295',
    ],
    [{ extraOptions: [{ number: 9, value: 'x'.repeat(1025) }] }, 'extraOptions[0].value: expected at most 1024 bytes'],
    [{ extraOptions: [{ number: 9, name: 'x' }] }, 'extraOptions[0].name: unknown field'],
  ])('rejects %j', (raw, message) => {
    const { problems } = resolve(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });
});

describe('coap({ deregisterAfter })', () => {
  it('is a duration, for observers, with a way to deregister', () => {
    expect(resolve({ deregisterAfter: '500ms' }).o?.deregisterAfterMs).toBe(500);
    expect(resolve({}).o?.deregisterAfterMs).toBeUndefined();
    expect(resolve({ deregisterAfter: '500ms', deregister: 'none' }).problems).toEqual([
      "fleets.req.protocol.deregisterAfter: needs deregister 'get' or 'rst': with 'none' nothing would cancel the observation",
    ]);
    expect(resolve({ deregisterAfter: 'soon' }).problems[0]).toContain('deregisterAfter: expected a positive duration');
  });

  it('is refused on a fleet, and extraOptions on virtual sensors', () => {
    const problems = (raw: unknown, kind: 'fleet' | 'observer') => {
      const check = new Checker();
      const o = resolveCoapOptions(raw, 'g.protocol', check);
      coapDriver.checkGroup?.(check, 'g', { kind, count: 1, sends: kind === 'fleet' }, o!);
      return check.problems;
    };
    expect(problems({ deregisterAfter: '1s' }, 'observer')).toEqual([]);
    expect(problems({ deregisterAfter: '1s' }, 'fleet')).toEqual([
      'g.protocol.deregisterAfter: is for observers: it cancels their observations mid-run',
    ]);
    expect(problems({ serve: true, extraOptions: [{ number: 65001 }] }, 'fleet')).toEqual([
      'g.protocol.extraOptions: is for requests: virtual sensors (serve) send notifications',
    ]);
  });
});

describe('the codes of a final response', () => {
  const response = (o: { ack?: boolean; confirmable?: boolean; options?: { name: string; value: Buffer }[] }) =>
    parse(
      generate({
        code: '2.05',
        messageId: 1,
        token: Buffer.from([1]),
        ack: o.ack ?? false,
        confirmable: o.confirmable ?? false,
        options: o.options ?? [],
        payload: Buffer.from('abc'),
      }),
    );
  const exchange = (get: boolean): Exchange => ({
    message: undefined,
    peer: { address: '127.0.0.1', port: 1 },
    build: () => Buffer.alloc(0),
    confirmable: true,
    body: undefined,
    sentAtMs: 0,
    get,
  });

  it('say how it came: piggybacked, or a CON or NON of its own (RFC 7252 §5.2)', () => {
    expect(finalResponseCodes(response({ ack: true }), exchange(false))).toEqual([
      'response|2.05',
      'coap|response_piggybacked',
    ]);
    expect(finalResponseCodes(response({ confirmable: true }), exchange(false))[1]).toBe('coap|response_con');
    expect(finalResponseCodes(response({}), exchange(false))[1]).toBe('coap|response_non');
  });

  it("count a GET's Content-Format, 'none' without one", () => {
    const ct = [{ name: 'Content-Format', value: Buffer.from([40]) }];
    expect(finalResponseCodes(response({ ack: true, options: ct }), exchange(true))[2]).toBe('format|40');
    expect(finalResponseCodes(response({ ack: true }), exchange(true))[2]).toBe('format|none');
  });

  it('check Size2 against the bytes of the blocks that came (RFC 7959 §4)', () => {
    const block = (size2?: number) =>
      response({ ack: true, options: size2 === undefined ? [] : [{ name: 'Size2', value: Buffer.from([size2]) }] });
    const size2After = (size2s: (number | undefined)[]) => {
      const x = exchange(false);
      for (const s of size2s) countBlock2(x, block(s));
      return finalResponseCodes(block(undefined), x)[2];
    };
    // Two blocks of 3 bytes: Size2 6 on the first is right, 7 is not; later blocks need not repeat it.
    expect(size2After([6, undefined])).toBe('block2|size2_matched');
    expect(size2After([7, undefined])).toBe('block2|size2_mismatch');
    expect(size2After([undefined, undefined])).toBe('block2|size2_absent');
  });
});

describe('what a server refuses in the options of a request', () => {
  const request = (options: { name: string; value: Buffer }[]) =>
    parse(generate({ code: '0.01', messageId: 1, token: Buffer.alloc(0), confirmable: true, options }));
  const opt = (name: string | number, value: Buffer | string = Buffer.alloc(0)) => ({
    name: String(name),
    value: Buffer.from(value),
  });

  it.each<[string, { name: string; value: Buffer }[], string | undefined]>([
    [
      'the options it acts on',
      [
        opt('Uri-Host', 'h'),
        opt('Uri-Port', Buffer.from([1])),
        opt('Uri-Path', 'a'),
        opt('Uri-Path', 'b'),
        opt('Uri-Query', 'q'),
        opt('Accept', Buffer.from([40])),
      ],
      undefined,
    ],
    ['an unrecognized elective option (§5.4.1)', [opt(65000, 'x'), opt('ETag', 'e')], undefined],
    ['an unrecognized critical option (§5.4.1)', [opt(65001, 'x')], '4.02'],
    ['a conditional request it does not implement (If-Match, §5.10.8.1)', [opt('If-Match', 'e')], '4.02'],
    ['a non-repeatable critical option twice (§5.4.5)', [opt('Uri-Host', 'a'), opt('Uri-Host', 'b')], '4.02'],
    ['Proxy-Uri at a server that is no proxy (§5.10.2)', [opt('Proxy-Uri', 'coap://h/p')], '5.05'],
    ['Block2 with the reserved SZX 7 (RFC 7959 §2.2)', [opt('Block2', Buffer.from([7]))], '4.00'],
    ['Block1 with the reserved SZX 7', [opt('Block1', Buffer.from([0x0f]))], '4.00'],
    ['Block2 with SZX 6', [opt('Block2', Buffer.from([6]))], undefined],
  ])('%s', (_, options, code) => {
    expect(optionRefusal(request(options))).toBe(code);
  });
});
