// The close barrier across workers: serving devices (here CoAP virtual sensors) stay up until
// every worker's clients have closed, so an observer in one worker gets its deregistration
// (GET Observe: 1, RFC 7641 §3.6) answered by a sensor in another worker. Before the barrier, a
// worker with nothing but sensors closed them as soon as its drain ended, while the other
// worker's observers were still deregistering: up to 22 of 90 went unanswered.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { decodeUint, option, parse } from '../../src/protocols/coap/codec.ts';
import { freeUdpPorts, startLossyForwarder } from '../helpers/coap-peers.ts';
import { writeScenario } from '../helpers/scenario.ts';

/** A CON GET carrying Observe: 1, i.e. a deregistration (RFC 7641 §3.6). */
function isDeregistration(datagram: Buffer): boolean {
  const p = parse(datagram);
  const observe = option(p, 'Observe');
  return p.code === '0.01' && observe !== undefined && decodeUint(observe) === 1;
}

describe('close barrier across workers', () => {
  it('a deregistration retransmitted after its drain is still answered by a sensor in the other worker', async () => {
    const base = await freeUdpPorts(2);
    // Sensor 1 runs in worker 1, alone: that worker has no clients, so without the barrier it
    // closes the sensor as soon as its drain ends. The observer (worker 0) reaches sensor 1
    // through a forwarder that drops the first copy of its deregistration, so the answer can
    // only come from the retransmission, ACK_TIMEOUT (200 ms) after the observer started closing.
    let seen = 0;
    const forwarder = await startLossyForwarder({
      target: { host: '127.0.0.1', port: base + 1 },
      dropUpstream: (_n, datagram) => isDeregistration(datagram) && ++seen === 1,
    });
    try {
      const scenario = writeScenario(
        'coap-close-barrier',
        `export default defineScenario({
        name: 'coap-close-barrier', duration: '400ms', drain: '300ms',
        fleets: { thermo: { count: 2, protocol: coap({ serve: { port: ${base}, notify: 'CON' } }), path: '/t', send: every('100ms'), messages: 3, payload: bytes(24) } },
        observers: { gateway: { protocol: coap({ ackTimeout: '200ms', ackRandomFactor: 1 }), receives: ['thermo'],
          subscribe: ['coap://127.0.0.1:${base}/t', '${forwarder.url('/t')}'] } },
      });`,
      );
      const { result } = await run({ scenario, workers: 2, write: false });
      const gw = result.fleets.gateway!.coap!;
      expect(gw.observe.registered).toBe(2);
      // The dropped copy was retransmitted once and answered (without the barrier, nobody was left
      // to answer the retransmission); both deregistrations count on both sides.
      expect(gw.observe.deregistered).toBe(2);
      expect(result.codes['gateway|observe|deregistration_unanswered'] ?? 0).toBe(0);
      expect(result.fleets.thermo!.coap!.observe.deregistered).toBe(2);
      const answers = forwarder.log.filter((d) => d.direction === 'down' && parse(d.bytes).ack);
      const deregistrations = forwarder.log.filter((d) => d.direction === 'up' && isDeregistration(d.bytes));
      expect(deregistrations.map((d) => d.dropped)).toEqual([true, false]);
      expect(gw.retransmissions).toBe(1);
      expect(answers.some((a) => a.bytes.readUInt16BE(2) === deregistrations[1]!.bytes.readUInt16BE(2))).toBe(true);
      expect(result.delivery.find((d) => d.from === 'thermo')).toMatchObject({ expected: 6, unique: 6, lost: 0 });
    } finally {
      await forwarder.close();
    }
  });
});
