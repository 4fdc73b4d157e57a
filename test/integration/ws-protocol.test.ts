// The bridge protocol's frame parsers, the hub's topic filter rules (MQTT §4.7) and the
// validation of ws({...}) options, the driver's promise and result block: pure functions, no sockets.
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { messageFrame, parseBridgeFrame, parseClientFrame } from '../../src/protocols/ws/bridge-protocol.ts';
import { filterProblem, topicProblem } from '../../src/protocols/ws/filters.ts';
import { wsDriver } from '../../src/protocols/ws/index.ts';
import { resolveWsOptions } from '../../src/protocols/ws/options.ts';

describe('bridge frames', () => {
  it('parses the three client frames, with and without ids', () => {
    expect(parseClientFrame('{"type":"subscribe","topic":"fleet/+/gps","id":7}')).toEqual({
      type: 'subscribe',
      topic: 'fleet/+/gps',
      id: 7,
    });
    expect(parseClientFrame('{"type":"unsubscribe","topic":"fleet/#"}')).toEqual({
      type: 'unsubscribe',
      topic: 'fleet/#',
    });
    expect(parseClientFrame('{"type":"publish","topic":"cmd/3","payload":"AAE=","id":9}')).toEqual({
      type: 'publish',
      topic: 'cmd/3',
      payload: 'AAE=',
      id: 9,
    });
  });

  it('describes what is wrong with a bad client frame instead of throwing', () => {
    expect(parseClientFrame('{"type":"subscribe"')).toEqual({ error: 'not JSON' });
    expect(parseClientFrame('[1,2]')).toEqual({ error: 'topic must be a non-empty string' });
    expect(parseClientFrame('null')).toEqual({ error: 'expected a JSON object' });
    expect(parseClientFrame('{"type":"subscribe","topic":""}')).toEqual({ error: 'topic must be a non-empty string' });
    expect(parseClientFrame('{"type":"subscribe","topic":"a","id":1.5}')).toEqual({ error: 'id must be an integer' });
    expect(parseClientFrame('{"type":"publish","topic":"a"}')).toEqual({ error: 'payload must be a base64 string' });
    expect(parseClientFrame('{"type":"ping","topic":"a"}')).toEqual({
      error: 'unknown type "ping" (expected subscribe, unsubscribe or publish)',
    });
  });

  it('parses bridge frames and rejects what is not one', () => {
    expect(parseBridgeFrame('{"type":"published","topic":"a","id":3}')).toEqual({
      type: 'published',
      topic: 'a',
      id: 3,
    });
    expect(parseBridgeFrame('{"type":"error","code":"bad_filter","message":"m","id":4}')).toEqual({
      type: 'error',
      code: 'bad_filter',
      message: 'm',
      id: 4,
    });
    expect(parseBridgeFrame('not json')).toBeUndefined();
    expect(parseBridgeFrame('"message"')).toBeUndefined();
    expect(parseBridgeFrame('{"topic":"a"}')).toBeUndefined();
  });

  it('carries any payload bytes exactly through a message frame (base64)', () => {
    const payload = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x80, 0x7f]);
    const frame = parseBridgeFrame(messageFrame('t/1', payload));
    expect(frame).toEqual({ type: 'message', topic: 't/1', payload: 'AAEC/v+Afw==' });
    expect(Buffer.from((frame as { payload: string }).payload, 'base64').equals(payload)).toBe(true);
  });
});

describe('hub topic filter rules (MQTT §4.7)', () => {
  it('accepts filters whose wildcards fill whole levels, # last', () => {
    for (const f of ['a/b', 'a/+/b', '+', '#', 'a/#', '+/+/#', '/a', 'a//b', '$SYS/#'])
      expect(filterProblem(f), f).toBeUndefined();
  });

  it('names the rule a bad filter breaks', () => {
    expect(filterProblem('a/#/b')).toBe("has a '#' that is not the whole last level");
    expect(filterProblem('a#')).toBe("has a '#' that is not the whole last level");
    expect(filterProblem('a/b+')).toBe("has a '+' that does not fill a whole level");
    expect(filterProblem('')).toBe('is empty');
    expect(filterProblem('a\0b')).toBe('contains U+0000');
    expect(filterProblem('x'.repeat(65_536))).toBe('is longer than 65535 bytes');
    expect(filterProblem('$share/g/a/+')).toBe('is a shared subscription ($share), which this bridge does not support');
  });

  it('refuses wildcards in a topic published to (MQTT-3.3.2-2)', () => {
    expect(topicProblem('a/b')).toBeUndefined();
    expect(topicProblem('a/+')).toBe("contains a wildcard ('+' or '#')");
    expect(topicProblem('a/#')).toBe("contains a wildcard ('+' or '#')");
    expect(topicProblem('')).toBe('is empty');
  });
});

describe('ws({...}) options', () => {
  const resolve = (raw: unknown) => {
    const check = new Checker();
    return { options: resolveWsOptions(raw, 'fleets.dash.protocol', check), problems: check.problems };
  };

  it('applies the defaults', () => {
    expect(resolve(undefined)).toEqual({
      options: {
        target: 'ws',
        inflight: 100,
        headers: undefined,
        perMessageDeflate: false,
        tls: { ca: undefined, caPem: undefined, rejectUnauthorized: true, resume: true },
        clientId: 'fb-{run}-{fleet}-{id}',
      },
      problems: [],
    });
    expect(
      resolve({ target: 'bridge', inflight: 5, headers: { Authorization: 'Bearer x' }, perMessageDeflate: true })
        .options,
    ).toMatchObject({ target: 'bridge', inflight: 5, headers: { Authorization: 'Bearer x' }, perMessageDeflate: true });
  });

  it('names each bad field with what was expected', () => {
    expect(resolve({ inflight: 0, perMessageDeflate: 'yes', qos: 1 }).problems).toEqual([
      'fleets.dash.protocol.qos: unknown field (expected one of target, inflight, headers, perMessageDeflate, tls, clientId)',
      'fleets.dash.protocol.inflight: expected a positive integer, got 0',
      'fleets.dash.protocol.perMessageDeflate: expected true or false, got "yes"',
    ]);
    expect(
      resolve({ headers: { 'Sec-WebSocket-Key': 'x', 'bad name': 'y', 'X-Ok': 3, 'X-Split': 'a\r\nb' } }).problems,
    ).toEqual([
      'fleets.dash.protocol.headers.Sec-WebSocket-Key: is set by the WebSocket handshake itself (RFC 6455 §4.1) and cannot be overridden',
      'fleets.dash.protocol.headers.bad name: is not a valid HTTP header name (RFC 7230 §3.2.6)',
      'fleets.dash.protocol.headers.X-Ok: expected a string without line breaks, got 3',
      'fleets.dash.protocol.headers.X-Split: expected a string without line breaks, got "a\\r\\nb"',
    ]);
    expect(resolve('ws').problems).toEqual(['fleets.dash.protocol: expected an object, got "ws"']);
  });
});

describe('the ws driver: promise and result block', () => {
  const options = resolveWsOptions({}, 'o', new Checker())!;

  it('promises no duplicates and no freedom from loss; names the overflow the receivers were told of', () => {
    expect(wsDriver.promise(options, options, new Map())).toEqual({
      label: 'WebSocket bridge (TCP, no end-to-end acknowledgement)',
      short: 'WebSocket bridge',
      noLoss: false,
      noDuplicates: true,
    });
    expect(wsDriver.promise(options, options, new Map([['error|overflow', 12]])).label).toBe(
      'WebSocket bridge (TCP, no end-to-end acknowledgement), 12 overflowed at the bridge (slow consumer)',
    );
  });

  it('builds fleets.<name>.ws from the codes the group counted', () => {
    const codes = new Map([
      ['frame|sent', 5],
      ['frame|received', 9],
      ['frame|invalid', 1],
      ['subscribed|ok', 2],
      ['error|overflow', 3],
      ['error|bad_filter', 1],
      ['publish|unanswered', 4],
      ['close|1006', 2],
    ]);
    expect(wsDriver.block({ codes, bytes: { sent: 0, received: 0 }, options })).toEqual({
      frames: { sent: 5, received: 9, invalid: 1 },
      subscriptions: 2,
      errors: { overflow: 3, bad_filter: 1 },
      overflow: 3,
      unanswered: 4,
      closes: { '1006': 2 },
    });
  });
});
