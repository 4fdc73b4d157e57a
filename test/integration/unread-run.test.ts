// What a run reports as sent but unread by the peer at close (fleets.<name>.unread), through the
// public API with real devices on the machine's Mosquitto and two workers, so per-worker figures
// are merged. A device whose driver cannot tell (or had nothing outstanding) reports none, and
// then the headline rate is the rate of writes.
import { describe, expect, it } from 'vitest';
import { formatCount } from '../../src/base/format.ts';
import { summary } from '../../src/cli/summary.ts';
import { run } from '../../src/index.ts';
import { MOSQUITTO_URL } from '../helpers/brokers.ts';
import { mqttTap } from '../helpers/mqtt-tap.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';
import { waitFor } from '../helpers/wait.ts';

describe('unread at close', () => {
  it('is absent or zero when the peer read everything, and the rate counts every message', async () => {
    const file = writeScenario(
      'all-read',
      `export default defineScenario({
        name: 'all-read', duration: '1s', drain: '${DRAIN}',
        targets: { mqtt: '${MOSQUITTO_URL}' },
        fleets: { load: { count: 4, protocol: mqtt({ qos: 0 }), topic: 'fbtest/{run}/all-read/{id}', send: every('50ms'), messages: 5, payload: bytes(32) } },
        observers: { o: { count: 1, protocol: mqtt({ qos: 0 }), subscribe: 'fbtest/{run}/all-read/+', receives: ['load'] } },
      });`,
    );
    const { result } = await run({ scenario: file, workers: 2, write: false });
    const f = result.fleets.load!;
    expect(f.messages.sent).toBe(20);
    expect(f.unread?.messages ?? 0).toBe(0);
    // Nothing unread: the headline rate is the rate of writes (kept beside it when the driver can tell).
    expect(f.rates.sentPerS).toBeGreaterThan(0);
    if (f.rates.writtenPerS !== undefined) expect(f.rates.writtenPerS).toBe(f.rates.sentPerS);
    // The delivery accounting is the receiver's, untouched by unread: all 20 arrived.
    const row = result.delivery.find((d) => d.from === 'load' && d.to === 'o')!;
    expect(row).toMatchObject({ expected: 20, unique: 20, lost: 0 });
    expect(summary(result)).not.toMatch(/unread/);
  });

  it('counts what sat behind an unanswered read fence at close, summed over workers, and leaves it out of the rate', async () => {
    // A tap in front of Mosquitto withholds the broker's answers once every device is connected:
    // the devices' read fences (PINGREQ after 256 KiB of QoS 0 data) are never answered.
    const tap = await mqttTap(Number(new URL(MOSQUITTO_URL).port));
    try {
      const file = writeScenario(
        'unread',
        `export default defineScenario({
          name: 'unread', duration: '2s', drain: '1s',
          targets: { mqtt: '${tap.url}' },
          fleets: { load: { count: 2, protocol: mqtt({ qos: 0 }), topic: 'fbtest/{run}/unread/{id}', send: every('20ms'), messages: 40, payload: bytes(20480) } },
        });`,
      );
      const running = run({ scenario: file, workers: 2, write: false });
      await waitFor(() => tap.down.filter((p) => p.type === 'connack').length >= 2, { what: 'both CONNACKs' });
      tap.mute(true);
      const { result } = await running;
      const f = result.fleets.load!;
      const unread = f.unread!;
      expect(unread.messages).toBeGreaterThan(0);
      expect(unread.messages).toBeLessThanOrEqual(f.messages.sent);
      expect(unread.bytes).toBeGreaterThan(unread.messages * 20480);
      expect(f.rates.writtenPerS).toBeGreaterThan(f.rates.sentPerS);
      const ratio = (f.messages.sent - unread.messages) / f.messages.sent;
      expect(f.rates.sentPerS / f.rates.writtenPerS!).toBeCloseTo(ratio, 2);
      expect(summary(result)).toContain(`(${formatCount(unread.messages)} unread)`);
    } finally {
      await tap.close();
    }
  });
});
