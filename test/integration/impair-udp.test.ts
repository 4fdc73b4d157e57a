// The impairment proxy in front of the embedded CoAP server: every datagram it dropped is one
// the server never received, and every repeat it saw is one of the devices' retransmissions.
// The proxy reads no CoAP; the equalities hold because both sides count the same datagrams.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { writeScenario } from '../helpers/scenario.ts';

describe('impairment proxy, datagrams (real CoAP fleets and the embedded server)', () => {
  it('NON loss: the delivery row loses exactly the datagrams the proxy dropped on the way up', async () => {
    const devices = 6;
    const messages = 50;
    const scenario = writeScenario(
      'impair-non-loss',
      `export default defineScenario({
        name: 'impair-non-loss', duration: '10s', drain: '2s', seed: 11,
        fleets: { s: { count: ${devices}, protocol: coap({ type: 'NON', method: 'POST' }), path: '/s/{id}', send: every('20ms'), messages: ${messages}, payload: bytes(24) } },
        impair: { coap: { loss: '10%', latency: '2ms' } },
      });`,
    );
    const { result } = await run({ scenario, workers: 2, write: false });
    const total = devices * messages;
    const s = result.fleets.s!;
    expect(s.messages.sent).toBe(total);
    const link = result.impairment?.coap;
    expect(link?.transport).toBe('udp');
    const up = link!.datagram!.up;
    // Every request reached the proxy, once (NON requests are never retransmitted, RFC 7252 §4.3).
    expect(up.received).toBe(total);
    expect(up.repeats).toBe(0);
    expect(up.forwarded + up.lost + up.blackholed).toBe(total);
    // 10% of 300: far from 0, and the seed fixes it run to run.
    expect(up.lost).toBeGreaterThan(10);
    expect(up.lost).toBeLessThan(60);
    const d = result.delivery.find((x) => x.from === 's' && x.to === 'coap-server')!;
    expect(d.expected).toBe(total);
    expect(d.lost).toBe(up.lost);
    expect(d.unique).toBe(up.forwarded);
    expect(d.duplicated).toBe(0);
    // Responses to the lost requests never came: the devices counted them unanswered.
    expect(link!.datagram!.down.received).toBe(up.forwarded);
  });

  it('CON loss: the devices retransmitted exactly the repeats the proxy saw on the way up', async () => {
    const devices = 4;
    const messages = 20;
    const scenario = writeScenario(
      'impair-con-loss',
      `export default defineScenario({
        name: 'impair-con-loss', duration: '10s', drain: '6s', seed: 5,
        fleets: { s: { count: ${devices}, protocol: coap({ type: 'CON', method: 'POST', ackTimeout: '200ms', ackRandomFactor: 1.5, maxRetransmit: 4, nstart: 10 }), path: '/s/{id}', send: every('50ms'), messages: ${messages}, payload: bytes(24) } },
        impair: { coap: { loss: '20%' } },
      });`,
    );
    const { result } = await run({ scenario, workers: 2, write: false });
    const s = result.fleets.s!;
    const link = result.impairment!.coap!.datagram!;
    expect(s.messages.sent).toBe(devices * messages);
    // Losses both ways make retransmissions (§4.2): a lost request and a lost piggybacked ACK alike.
    expect(s.coap!.retransmissions).toBeGreaterThan(5);
    expect(link.up.repeats).toBe(s.coap!.retransmissions);
    expect(link.up.received).toBe(s.coap!.datagrams.sent);
    expect(link.down.received).toBe(link.down.forwarded + link.down.lost);
    // One flow per device socket (and one more if the preflight sent anything).
    expect(link.flows).toBeGreaterThanOrEqual(devices);
    expect(link.flows).toBeLessThanOrEqual(devices + 1);
  });
});
