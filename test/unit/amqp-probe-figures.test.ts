// The AMQP figures the probes judge: the driver's counters as threshold metrics (read off the
// `amqp` block at the end of a run), tx.rollback options and what they promise, an observer's
// offline phase on a queue that outlives its connection, and the consumer's priority rises.
import type { ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { validateScenario } from '../../src/dsl/validate.ts';
import { amqp, every } from '../../src/index.ts';
import type { CodeKey } from '../../src/metrics/codes.ts';
import { AMQP_CODES } from '../../src/protocols/amqp/codes.ts';
import { AmqpConsumer } from '../../src/protocols/amqp/consumer.ts';
import { amqpDriver } from '../../src/protocols/amqp/index.ts';
import { resolveAmqpOptions } from '../../src/protocols/amqp/options.ts';
import { type AmqpStats, amqpStats } from '../../src/protocols/amqp/stats.ts';
import { IGNORE_EVENTS } from '../../src/protocols/driver.ts';
import { evaluateThresholds, type ParsedThreshold, parseThresholds } from '../../src/thresholds/index.ts';
import type { Judged } from '../../src/thresholds/metrics.ts';
import { problemsOf } from '../helpers/validation.ts';

const C = AMQP_CODES.keys;

/** An amqp block from counted codes, as a run builds it. */
function block(codes: [CodeKey, number][]): AmqpStats {
  return amqpStats({ codes: new Map(codes), bytes: { sent: 0, received: 0 }, options: {} });
}

function fleet(sent: number, received: number, amqpBlock?: AmqpStats): Judged['fleets'][string] {
  return {
    devices: {} as never,
    messages: { sent, received } as never,
    rates: { sentPerS: 0, receivedPerS: 0 },
    ...(amqpBlock ? { amqp: amqpBlock } : {}),
  } as Judged['fleets'][string];
}

const RESULT: Judged = {
  fleets: {
    pub: fleet(
      10,
      0,
      block([
        [C.return.of(312), 8],
        [C.return.of(313), 1],
        [C.confirm.nack, 2],
      ]),
    ),
    dlq: fleet(
      0,
      6,
      block([
        [C.deadletter.of('maxlen'), 4],
        [C.deadletter.of('expired'), 2],
      ]),
    ),
    work: fleet(
      0,
      40,
      block([
        [C.unacked_peak.of(1), 1],
        [C.unacked_peak.of(3), 1],
        [C.delivery.priority_rise, 5],
      ]),
    ),
    other: fleet(0, 40, block([[C.unacked_peak.of(7), 1]])),
    mqttFleet: fleet(5, 0),
  },
  delivery: [],
  errors: [],
  histograms: {},
};

function judge(thresholds: Record<string, string[]>): { key: string; actual: number | null; message: string }[] {
  const check = new Checker();
  const parsed: ParsedThreshold[] = parseThresholds(check, thresholds, Object.keys(RESULT.fleets));
  expect(check.problems).toEqual([]);
  return evaluateThresholds(parsed, RESULT).map(({ key, actual, message }) => ({ key, actual, message }));
}

describe('AMQP counters as threshold metrics', () => {
  it('reads returns, nacks, dead letters by reason and priority rises off the block, with rates', () => {
    expect(
      judge({
        'pub.returned': ['count == 9'],
        'pub.returned_no_route': ['rate == 0.8'],
        'pub.confirm_nacks': ['rate == 0.2'],
        'dlq.dead_letters': ['rate == 1'],
        'dlq.dead_letters_maxlen': ['count == 4'],
        'dlq.dead_letters_rejected': ['count == 0'],
        'work.priority_rises': ['count == 5'],
      }).map((o) => [o.key, o.actual]),
    ).toEqual([
      ['pub.returned', 9],
      ['pub.returned_no_route', 0.8],
      ['pub.confirm_nacks', 0.2],
      ['dlq.dead_letters', 1],
      ['dlq.dead_letters_maxlen', 4],
      ['dlq.dead_letters_rejected', 0],
      ['work.priority_rises', 5],
    ]);
  });

  it('sums a count over the run, but keeps a peak per group (the largest code seen)', () => {
    expect(judge({ confirm_nacks: ['count == 2'], 'work.unacked_peak': ['<= 3'] }).map((o) => o.actual)).toEqual([
      2, 3,
    ]);
    const check = new Checker();
    parseThresholds(check, { unacked_peak: ['<= 3'] }, Object.keys(RESULT.fleets));
    expect(check.problems).toEqual([
      'thresholds["unacked_peak"]: unacked_peak is measured per fleet: write "<fleet>.unacked_peak"',
    ]);
  });

  it('says so when the group is not an AMQP group, and when a rate has nothing to divide by', () => {
    expect(judge({ 'mqttFleet.returned': ['count == 0'], 'dlq.returned': ['rate == 0'] })).toEqual([
      {
        key: 'mqttFleet.returned',
        actual: null,
        message: 'returned is counted by AMQP 0-9-1 groups only, and mqttFleet is not one',
      },
      { key: 'dlq.returned', actual: null, message: 'no measurements' },
    ]);
  });

  it('a peak has no rate', () => {
    const check = new Checker();
    parseThresholds(check, { 'work.unacked_peak': ['rate < 1'] }, ['work']);
    expect(check.problems).toHaveLength(1);
    expect(check.problems[0]).toContain('unacked_peak');
  });
});

describe('tx rollback', () => {
  const resolve = (tx: unknown): { options: ReturnType<typeof resolveAmqpOptions>; problems: string[] } => {
    const check = new Checker();
    return { options: resolveAmqpOptions({ tx }, 'fleets.pub.protocol', check), problems: check.problems };
  };

  it('rolls back every n-th transaction, and promises best effort', () => {
    const { options, problems } = resolve({ batch: 4, rollback: { every: 2 } });
    expect(problems).toEqual([]);
    expect(options?.tx).toEqual({ batch: 4, maxDelayMs: 1000, rollbackEvery: 2 });
    const to = resolveAmqpOptions({}, 'observers.sub.protocol', new Checker());
    if (!options || !to) throw new Error('options');
    expect(amqpDriver.promise(options, to)).toMatchObject({
      label: 'tx batches of 4, 1 in 2 rolled back + manual ack (best effort)',
      noLoss: false,
    });
  });

  it.each<[unknown, string]>([
    [{ batch: 4, rollback: { every: 0 } }, 'fleets.pub.protocol.tx.rollback.every: expected a positive integer, got 0'],
    [{ batch: 4, rollback: 2 }, 'fleets.pub.protocol.tx.rollback: expected an object'],
    [{ batch: 4, rollback: { every: 2, at: 1 } }, 'fleets.pub.protocol.tx.rollback.at: unknown field'],
  ])('refuses %j', (tx, message) => {
    const { problems } = resolve(tx);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });
});

describe('an AMQP observer offline', () => {
  const scenario = (queue: unknown): Record<string, unknown> => ({
    name: 'offline',
    duration: '2s',
    fleets: { pub: { count: 1, protocol: amqp(), topic: 'p.{run}.{id}', send: every('100ms') } },
    observers: { main: { protocol: amqp({ queue } as never), receives: ['pub'], offline: { from: '0ms', to: '1s' } } },
  });

  it('is planned on a named queue that outlives its connection (not exclusive, not auto-delete)', () => {
    expect(() =>
      validateScenario(scenario({ name: 'q-{run}-{id}', autoDelete: false, expires: '5s' }), 'offline.ts'),
    ).not.toThrow();
  });

  it.each<[string, unknown]>([
    ['a server-named queue', undefined],
    ['an auto-delete queue', { name: 'q-{run}-{id}' }],
    ['an exclusive queue', { name: 'q-{run}-{id}', autoDelete: false, exclusive: true }],
  ])('is refused on %s, with what would keep one', (_, queue) => {
    expect(problemsOf(scenario(queue), 'offline.ts')).toEqual([
      `observers.main.offline: needs a session the server keeps while the observer is offline (in observers.main.protocol: ${amqpDriver.sessionHint})`,
    ]);
  });
});

describe('priority rises', () => {
  function rises(channels: { priorities: (number | undefined)[] }[]): number {
    let n = 0;
    let channel: object = {};
    const events = { ...IGNORE_EVENTS, onCode: (key: string) => void (key === C.delivery.priority_rise && n++) };
    const options = resolveAmqpOptions({ ack: 'auto' }, 'o', new Checker());
    if (!options) throw new Error('options');
    const consumer = new AmqpConsumer(options, 'c', events, () => channel as never);
    for (const { priorities } of channels) {
      channel = {};
      for (const priority of priorities)
        consumer.deliver({
          content: Buffer.alloc(0),
          fields: { redelivered: false, routingKey: 'k' },
          properties: { priority, headers: {} },
        } as unknown as ConsumeMessage);
    }
    return n;
  }

  it('counts a delivery of higher priority than the one before it on the same channel', () => {
    expect(rises([{ priorities: [9, 9, 5, 1, 1] }])).toBe(0);
    expect(rises([{ priorities: [1, 9, 1, 9] }])).toBe(2);
    // No priority property is 0.
    expect(rises([{ priorities: [undefined, 3] }])).toBe(1);
    // A new channel is a new consume: its first delivery is compared with nothing.
    expect(rises([{ priorities: [1] }, { priorities: [9, 1] }])).toBe(0);
  });
});
