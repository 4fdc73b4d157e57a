// A whole AMQP run against RabbitMQ behind the impairment proxy: every connection reset at 1.5 s,
// then the link blackholed for 4.5 s from 4 s. Each loss is counted once with its cause (a reset, then a
// missed heartbeat or a close), no nack is invented for confirms the broker never sent, every device comes
// back, unconfirmed publishes are republished (resent, not broker faults), and the queue kept
// what arrived while the consumer was away.
import amqplib from 'amqplib';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { writeScenario } from '../helpers/scenario.ts';

const RABBITMQ_URL = 'amqp://guest:guest@127.0.0.1:5672';

describe('AMQP behind an impaired link', () => {
  it('counts resets and heartbeat timeouts once each, recovers every device and loses nothing', async () => {
    const file = writeScenario(
      'amqp-impaired',
      `const reconnect = { initial: '200ms', max: '1s' };
      export default defineScenario({
        name: 'amqp-impaired', duration: '10s', drain: '1500ms', connectTimeout: '1s',
        fleets: {
          p: { count: 4, protocol: amqp({ confirm: true, heartbeat: '1s' }), topic: 'fbtest.{run}.imp.{id}', send: every('50ms'), payload: bytes(32), reconnect },
        },
        // Not auto-deleted: the queue keeps what arrives while its consumer is away (the test deletes it).
        observers: { c: { protocol: amqp({ queue: { name: 'fbtest-imp-{run}', autoDelete: false }, heartbeat: '1s' }), receives: ['p'], reconnect } },
        impair: { amqp: { reset: { at: '1500ms' }, blackhole: { at: '4s', for: '4500ms' } } },
      });`,
    );
    const { result } = await run({ scenario: file, targets: { amqp: RABBITMQ_URL }, workers: 1, write: false });
    const connection = await amqplib.connect(RABBITMQ_URL);
    const channel = await connection.createChannel();
    await channel.deleteQueue(`fbtest-imp-${result.run.id}`);
    await connection.close();
    const link = result.impairment?.amqp;
    // The reset hit every connection open at 1.5 s: the four publishers and the consumer, all
    // back (200 ms to 1 s later) long before the blackhole at 4 s. The blackhole outlasts the
    // heartbeat's detection (two missed 1 s heartbeats, checked once a second) by 1.5 s.
    expect(link?.stream?.resets).toBe(5);
    expect(link?.blackholedMs).toBe(4500);
    for (const [name, count] of [
      ['p', 4],
      ['c', 1],
    ] as const) {
      const d = result.fleets[name]!.devices;
      const causes = Object.fromEntries(
        Object.entries(result.codes)
          .filter(([k]) => k.startsWith(`${name}|lost|`))
          .map(([k, n]) => [k.slice(`${name}|lost|`.length), n]),
      );
      // The reset, once per device. Then, in the blackhole, nothing answers the heartbeat: a
      // device gives its connection up (keepalive_timeout), or RabbitMQ, missing the device's
      // heartbeats, closes it first and the proxy passes the FIN on (closed); amqplib checks once
      // per interval, so one reading a frame just as the blackhole ends may keep its connection.
      expect(causes.reset, name).toBe(count);
      const cut = (causes.keepalive_timeout ?? 0) + (causes.closed ?? 0);
      expect(cut, name).toBeLessThanOrEqual(count);
      expect(
        Object.keys(causes).filter((c) => !['reset', 'keepalive_timeout', 'closed'].includes(c)),
        name,
      ).toEqual([]);
      expect(d.disconnects, name).toBe(count + cut);
      expect(d.reconnects, name).toBe(d.disconnects);
      expect(d.unrecovered, name).toBe(0);
    }
    // The blackhole cut some connection of the run.
    expect(result.fleets.p!.devices.disconnects + result.fleets.c!.devices.disconnects).toBeGreaterThan(5);
    const p = result.fleets.p!;
    // Confirms pending at a loss are republished, never counted as a nack the broker did not send.
    expect(Object.keys(result.codes).filter((k) => k.startsWith('p|confirm|nack'))).toEqual([]);
    expect(p.messages.resent).toBeGreaterThan(0);
    expect(p.messages.acked).toBe(p.messages.sent);
    expect(p.messages.unsent).toBeGreaterThan(0);
    // The named queue kept what arrived while the consumer was away: nothing lost; duplicates are
    // republished messages and broker redeliveries, which at-least-once allows.
    const row = result.delivery.find((d) => d.from === 'p' && d.to === 'c')!;
    expect(row.lost).toBe(0);
    expect(row.verdict.kept).toBe(true);
    // A link impaired to reset and blackhole expects its outages.
    expect(result.health?.find((h) => h.name === 'outages')).toMatchObject({ passed: true, waived: true });
    expect(result.health?.every((h) => h.passed)).toBe(true);
  });
});
