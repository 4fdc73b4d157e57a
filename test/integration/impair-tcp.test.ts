// The impairment proxy in front of a real broker (Mosquitto, 127.0.0.1:1883): added latency
// shows in the acknowledgement times, and a blackhole and a reset reach every open connection.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { writeScenario } from '../helpers/scenario.ts';

const BROKER = 'mqtt://127.0.0.1:1883';

describe('impairment proxy, streams (real broker)', () => {
  it("10 ms more each way adds 20 ms ± 1 ms to the acknowledgement's p50", async () => {
    // Two fleets in one run, to the same broker through two proxies: 2 ms and 12 ms each way.
    // Their samples interleave in time, so the machine's load, the proxy's own hop and its
    // timers' lateness weigh on both alike, and the difference of their p50s is the 20 ms the
    // second link adds. (How late the timers fired is in each link's `lateness`, logged below:
    // on a quiet machine about 0.1 ms at p50; on a machine with 20 runnable threads per core,
    // several ms, which a comparison with an unimpaired run would wrongly blame on the link.)
    const scenario = writeScenario(
      'impair-ack',
      `export default defineScenario({
        name: 'impair-ack', duration: '10s', drain: '1s', seed: 3,
        targets: { fast: '${BROKER}', slow: '${BROKER}' },
        fleets: {
          f: { count: 8, protocol: mqtt({ qos: 1, target: 'fast' }), topic: 'fbtest/{run}/f/{id}', send: every('20ms'), payload: bytes(24) },
          s: { count: 8, protocol: mqtt({ qos: 1, target: 'slow' }), topic: 'fbtest/{run}/s/{id}', send: every('20ms'), payload: bytes(24) },
        },
        impair: { fast: { latency: '2ms' }, slow: { latency: '12ms' } },
      });`,
    );
    const { result } = await run({ scenario, workers: 2, write: false });
    const fast = result.fleets.f!.latency.ack!.service;
    const slow = result.fleets.s!.latency.ack!.service;
    // Thousands of samples each: the p50 of a spread-out distribution (a loaded machine's) is
    // only as steady as its sample is large.
    expect(fast.count).toBeGreaterThan(2500);
    expect(slow.count).toBeGreaterThan(2500);
    expect(result.impairment?.slow?.spec.latencyMs).toBe(12);
    expect(result.impairment?.slow?.stream?.connections).toBe(9);
    const added = (slow.p50 - fast.p50) / 1000;
    console.log(
      `impair-tcp: ack p50 ${(fast.p50 / 1000).toFixed(2)} ms through 2 ms each way, ${(slow.p50 / 1000).toFixed(2)} ms through 12 ms: +${added.toFixed(2)} ms; proxy lateness p50 ${result.impairment?.fast?.lateness.p50Ms} / ${result.impairment?.slow?.lateness.p50Ms} ms`,
    );
    expect(added).toBeGreaterThan(19);
    expect(added).toBeLessThan(21);
  });

  it('a blackhole holds every open connection, and a reset ends each of them once', async () => {
    const devices = 5;
    const scenario = writeScenario(
      'impair-reset',
      `export default defineScenario({
        name: 'impair-reset', duration: '3s', drain: '500ms', seed: 1,
        targets: { broker: '${BROKER}' },
        fleets: { s: { count: ${devices}, protocol: mqtt({ qos: 1, target: 'broker' }), topic: 'fbtest/{run}/{id}', send: every('50ms'), payload: bytes(24) } },
        impair: { broker: { blackhole: { at: '500ms', for: '700ms' }, reset: { at: '2s' } } },
      });`,
    );
    const { result } = await run({ scenario, workers: 2, write: false });
    const link = result.impairment!.broker!;
    const tcp = link.stream!;
    const s = result.fleets.s!;
    expect(link.transport).toBe('tcp');
    expect(link.spec.blackholes).toEqual([{ atMs: 500, forMs: 700 }]);
    // The preflight's connection, closed long before, and one per device.
    expect(tcp.connections).toBe(devices + 1);
    expect(tcp.upstreamFailed).toBe(0);
    // Every device was connected through the blackhole and at the reset.
    expect(tcp.held).toBe(devices);
    expect(tcp.resets).toBe(devices);
    expect(link.blackholedMs).toBe(700);
    // The devices saw their connections reset (no reconnects here) ...
    expect(s.devices.disconnects).toBe(devices);
    // ... and nothing acknowledged arrived during the blackhole: the acks of sends made in it waited for its end.
    expect(s.latency.ack!.service.max).toBeGreaterThan(400_000);
    expect(tcp.bytesUp).toBeGreaterThan(0);
    expect(tcp.bytesDown).toBeGreaterThan(0);
  });
});
