// A broker that dies in the middle of a run: the run goes on to its end, counts every lost
// connection and dropped send, and still returns a complete, honest result.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { startMosquitto } from '../helpers/brokers.ts';
import { writeScenario } from '../helpers/scenario.ts';

describe('broker failure during a run', () => {
  it('counts lost connections and drops, and still returns the result', async () => {
    const mosq = await startMosquitto({ main: 'listener {port} 127.0.0.1' }, 'allow_anonymous true\n');
    const file = writeScenario(
      'broker-dies',
      `export default defineScenario({
        name: 'broker-dies', duration: '4s', drain: '300ms',
        fleets: { s: { count: 6, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/{id}', send: every('50ms'), payload: bytes(24) } },
        observers: { o: { protocol: mqtt({ qos: 1 }), receives: ['s'] } },
      });`,
    );
    let killed = false;
    const outcome = await run({
      scenario: file,
      targets: { mqtt: `mqtt://127.0.0.1:${mosq.ports.main}` },
      workers: 2,
      write: false,
      onProgress: (p) => {
        if (!killed && p.phase === 'run' && p.elapsedS >= 1) {
          killed = true;
          void mosq.stop();
        }
      },
    });
    await mosq.stop();
    const { result } = outcome;
    expect(killed).toBe(true);
    expect(result.run.partial).toBe(false);
    const s = result.fleets.s!;
    // Every device noticed the broker go away; sends after that were dropped, not lost silently.
    expect(s.devices.disconnects).toBe(6);
    expect(result.fleets.o!.devices.disconnects).toBe(1);
    expect(s.messages.sent).toBeGreaterThan(0);
    expect(s.messages.dropped).toBeGreaterThan(0);
    expect(result.errors.find((e) => e.group === 's' && e.code === 'mqtt.connection_lost')?.count).toBe(6);
    expect(result.codes['s|dropped|not_connected']).toBeGreaterThan(0);
    // What was sent and not delivered before the broker died is reported as lost.
    const d = result.delivery[0]!;
    expect(d.expected).toBe(s.messages.sent);
    expect(d.unique + d.lost).toBe(d.expected);
  });
});
