// What a run reports as sent but unread by the peer at close (fleets.<name>.unread), through the
// public API with real devices on the machine's Mosquitto and two workers, so per-worker figures
// are merged. A device whose driver cannot tell (or had nothing outstanding) reports none, and
// then the headline rate is the rate of writes.
import { describe, expect, it } from 'vitest';
import { summary } from '../../src/cli/summary.ts';
import { run } from '../../src/index.ts';
import { MOSQUITTO_URL } from '../helpers/brokers.ts';
import { DRAIN, writeScenario } from '../helpers/scenario.ts';

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

  // Enabled when the device that fences its QoS 0 writes (PINGREQ after a window of unconfirmed
  // bytes, DriverDevice.unread) is merged: offered far more than the broker reads, closed with a
  // short bound, so messages are still unread at close. To assert, with workers: 2:
  //   f.unread.messages > 0 and ≤ f.messages.sent, f.unread.bytes > 0;
  //   f.rates.writtenPerS > f.rates.sentPerS, and
  //   f.rates.sentPerS / f.rates.writtenPerS ≈ (f.messages.sent − f.unread.messages) / f.messages.sent
  //   (both rounded to 0.01/s);
  //   summary(result) contains `(${formatCount(f.unread.messages)} unread)`;
  //   the delivery row's lost + unique = expected (unread is not counted twice).
  it.todo(
    'lean device: messages behind an unanswered fence at close are in fleets.<name>.unread, summed over workers, and left out of rates.sentPerS (= (sent − unread) / send phase)',
  );
});
