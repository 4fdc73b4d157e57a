// The scenario's source-address pool against a private Mosquitto: seen from the broker's side
// (its established sockets, ss), device i's connection comes from pool[i mod n].
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { startMosquitto } from '../helpers/brokers.ts';
import { writeScenario } from '../helpers/scenario.ts';

/** Peer addresses of the connections established to `port`, as the kernel lists them at the broker. */
function peersOf(port: number): string[] {
  const { stdout } = spawnSync('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  // Columns: Recv-Q Send-Q Local:Port Peer:Port.
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (l.trim().split(/\s+/)[3] ?? '').replace(/:\d+$/, ''));
}

describe('sourceAddresses', () => {
  it('spreads the devices connections over the pool', async () => {
    const mosq = await startMosquitto({ main: 'listener {port} 127.0.0.1' }, 'allow_anonymous true\n');
    try {
      const port = mosq.ports.main as number;
      const file = writeScenario(
        'source-addresses',
        `export default defineScenario({
          name: 'source-addresses', duration: '2s', drain: '300ms',
          sourceAddresses: ['127.0.0.2', '127.0.0.3'],
          fleets: { s: { count: 6, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/{id}', send: every('200ms'), payload: bytes(24) } },
        });`,
      );
      let peers: string[] = [];
      const { result } = await run({
        scenario: file,
        targets: { mqtt: `mqtt://127.0.0.1:${port}` },
        workers: 1,
        write: false,
        // In the send phase every device is connected: the broker's sockets show where from.
        onProgress: (p) => {
          if (p.phase === 'run' && peers.length === 0) peers = peersOf(port);
        },
      });
      expect(result.run.partial).toBe(false);
      expect(result.fleets.s!.devices.peakConnected).toBe(6);
      expect(peers.sort()).toEqual(['127.0.0.2', '127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.3', '127.0.0.3']);
    } finally {
      await mosq.stop();
    }
  });
});
