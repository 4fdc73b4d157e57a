// A broker that dies in the middle of a run and never comes back: the run goes on to its end,
// counts every lost connection, every reconnect attempt and every send not made, still returns a
// complete, honest result, and fails its health (a run that went wrong never passes by accident).
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { startMosquitto } from '../helpers/brokers.ts';
import { writeScenario } from '../helpers/scenario.ts';

describe('broker failure during a run', () => {
  it('counts lost connections, reconnect attempts and unsent sends, and fails its health', async () => {
    const mosq = await startMosquitto({ main: 'listener {port} 127.0.0.1' }, 'allow_anonymous true\n');
    const file = writeScenario(
      'broker-dies',
      `export default defineScenario({
        name: 'broker-dies', duration: '4s', drain: '300ms',
        fleets: { s: { count: 6, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/{id}', send: every('50ms'), payload: bytes(24), reconnect: { initial: '100ms', max: '400ms' } } },
        observers: { o: { protocol: mqtt({ qos: 1 }), receives: ['s'], reconnect: { initial: '100ms', max: '400ms' } } },
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
    // Every device noticed the broker go away, kept trying to come back, and never did.
    expect(s.devices.disconnects).toBe(6);
    expect(result.fleets.o!.devices.disconnects).toBe(1);
    expect(s.devices.reconnects).toBe(0);
    expect(s.devices.reconnectAttempts).toBeGreaterThanOrEqual(6);
    expect(s.devices.unrecovered).toBe(6);
    expect(result.fleets.o!.devices.unrecovered).toBe(1);
    expect(s.devices.downtimeS).toBeGreaterThan(0);
    // Mosquitto closes each connection (FIN); a device writing at that moment sees a reset.
    expect((result.codes['s|lost|closed'] ?? 0) + (result.codes['s|lost|reset'] ?? 0)).toBe(6);
    // Sends while down were not made: unsent, neither dropped nor lost.
    expect(s.messages.sent).toBeGreaterThan(0);
    expect(s.messages.unsent).toBeGreaterThan(0);
    expect(result.codes['s|dropped|not_connected']).toBeUndefined();
    // What was sent and not delivered before the broker died is reported as lost (or in doubt).
    const d = result.delivery[0]!;
    expect(d.expected).toBe(s.messages.sent);
    expect(d.unique + d.lost).toBe(d.expected);
    expect(d.unsent).toBe(s.messages.unsent);
    // The run says why it failed.
    const unrecovered = result.health?.find((h) => h.name === 'unrecovered');
    expect(unrecovered).toMatchObject({ passed: false, groups: ['s', 'o'] });
    expect(unrecovered?.message).toMatch(/s 6 of 6 still down at the end/);
    expect(result.health?.find((h) => h.name === 'outages')?.passed).toBe(false);
  });
});
