// RFC 7967 No-Response at fleetbench's own CoAP servers, with raw datagrams: the embedded sink and
// a virtual sensor's server (a `serve` fleet's, read-only) send nothing back for a declined
// response class, yet take the request. Absence is shown without waiting on a clock: a CON GET
// sent after the request is answered in order, and its answer must be the only datagram.
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeUint, generate, option, type ParsedPacket, parse, pathOptions } from '../../src/protocols/coap/codec.ts';
import { startEmbeddedCoap } from '../../src/protocols/coap/embedded.ts';
import { COAP_DEFAULTS } from '../../src/protocols/coap/options.ts';
import { CoapServer } from '../../src/protocols/coap/server.ts';
import type { ReceivedMessage, SinkEvents } from '../../src/protocols/driver.ts';

/** Sends `packets` in order from one socket and collects every datagram until one carries `untilId`. */
async function answers(
  port: number,
  packets: Parameters<typeof generate>[0][],
  untilId: number,
): Promise<ParsedPacket[]> {
  const socket: Socket = createSocket('udp4');
  const got: ParsedPacket[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to message ${untilId} within 10 s`)), 10_000);
      socket.on('message', (buf) => {
        const p = parse(buf);
        got.push(p);
        if (p.messageId === untilId) {
          clearTimeout(timer);
          resolve();
        }
      });
      for (const p of packets) socket.send(generate(p), port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
  return got;
}

const noResponse = (value: number) => ({ name: 'No-Response', value: encodeUint(value) });

describe('No-Response (RFC 7967) at fleetbench CoAP servers', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  it('the embedded server takes a NON PUT declining every response and sends nothing back; a CON one gets an empty ACK', async () => {
    const server = await startEmbeddedCoap();
    cleanup.push(() => server.close());
    const bodies: ReceivedMessage[] = [];
    const codes: string[] = [];
    const events: SinkEvents = {
      onMessage: (m) => bodies.push(m),
      onCode: (c) => codes.push(String(c)),
      onError: () => undefined,
    };
    server.sink?.attach(events);
    const port = Number(new URL(server.urls.default!).port);
    const path = pathOptions('/quiet/0');
    const got = await answers(
      port,
      [
        // §2.1: 26 = 2 (2.xx) + 8 (4.xx) + 16 (5.xx).
        {
          code: '0.03',
          confirmable: false,
          messageId: 1,
          token: Buffer.from([1]),
          options: [...path, noResponse(26)],
          payload: Buffer.from('reading-1'),
        },
        { code: '0.01', confirmable: true, messageId: 2, token: Buffer.from([2]), options: path },
      ],
      2,
    );
    // Only the GET's piggybacked 2.05 came back, carrying what the silent PUT stored.
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ code: '2.05', ack: true });
    expect(got[0]!.payload.toString()).toBe('reading-1');
    expect(bodies.map((b) => b.payload.toString())).toEqual(['reading-1']);
    expect(codes.filter((c) => c.includes('response_suppressed'))).toHaveLength(1);

    // A CON request is still acknowledged at the message layer (RFC 7252 §4.2): an empty ACK.
    const con = await answers(
      port,
      [
        {
          code: '0.03',
          confirmable: true,
          messageId: 3,
          token: Buffer.from([3]),
          options: [...path, noResponse(26)],
          payload: Buffer.from('reading-2'),
        },
      ],
      3,
    );
    expect(con).toHaveLength(1);
    expect(con[0]).toMatchObject({ code: '0.00', ack: true, messageId: 3 });
    expect(bodies.map((b) => b.payload.toString())).toEqual(['reading-1', 'reading-2']);
  });

  it("a virtual sensor's server declines by class: 4.05 is suppressed under 26, sent under 2 (2.xx only)", async () => {
    const server = new CoapServer({
      writable: false,
      transmission: COAP_DEFAULTS.transmission,
      notify: 'NON',
      maxAgeSec: 60,
      blockSize: 1024,
      random: Math.random,
      dedupCapacity: 100,
      events: { onCode: () => undefined },
    });
    const { port } = await server.listen(0, '127.0.0.1');
    cleanup.push(() => server.close());
    server.define('/temperature', 0);
    const path = pathOptions('/temperature');
    const put = (messageId: number, value: number) => ({
      code: '0.03',
      confirmable: false,
      messageId,
      token: Buffer.from([messageId]),
      options: [...path, noResponse(value)],
      payload: Buffer.from('x'),
    });
    const ping = (messageId: number) => ({
      code: '0.01',
      confirmable: true,
      messageId,
      token: Buffer.from([messageId]),
      options: path,
    });
    const declined = await answers(port, [put(1, 26), ping(2)], 2);
    expect(declined.map((p) => p.messageId === 2)).toEqual([true]);
    const kept = await answers(port, [put(3, 2), ping(4)], 4);
    expect(kept.map((p) => p.code)).toEqual(['4.05', '2.05']);
    // The option is a request option only: no response echoes it.
    expect(option(kept[0]!, 'No-Response')).toBeUndefined();
  });
});
