// Validation of an observer's session phases: a late subscriber's `startTime` and an `offline`
// phase, which needs a session the server keeps (a driver that keeps one, and options that ask
// for it), times inside the send phase in order, and an observer that receives every message.
import { describe, expect, it } from 'vitest';
import { groupByName } from '../../src/dsl/plan.ts';
import { validateScenario } from '../../src/dsl/validate.ts';
import { coap, every, mqtt } from '../../src/index.ts';
import { problemsOf as problems } from '../helpers/validation.ts';

const FILE = 'scenarios/sessions.ts';
const problemsOf = (scenario: unknown): readonly string[] => problems(scenario, FILE);
const kept = mqtt({ qos: 1, clean: false });

function withObserver(observer: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'sessions',
    duration: '10s',
    fleets: { gps: { count: 2, protocol: mqtt({ qos: 1 }), topic: 'fleet/{id}/gps', send: every('1s') } },
    observers: { dash: { protocol: kept, receives: ['gps'], ...observer } },
  };
}

describe('observer session phases', () => {
  it('plans a late subscriber and an offline phase in ms from the start of the send phase', () => {
    const plan = validateScenario(withObserver({ startTime: '1s', offline: { from: '2s', to: 4500 } }), FILE);
    expect(groupByName(plan, 'dash')).toMatchObject({ startMs: 1000, offline: { fromMs: 2000, toMs: 4500 } });
    // 5.0 keeps a session with Clean Start 0 and a Session Expiry above 0 (§3.1.2.11.2).
    const v5 = mqtt({ qos: 1, version: 5, clean: false, sessionExpiry: '1m' });
    expect(() =>
      validateScenario(withObserver({ protocol: v5, offline: { from: '1s', to: '2s' } }), FILE),
    ).not.toThrow();
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'a clean session',
      { protocol: mqtt({ qos: 1 }), offline: { from: '1s', to: '2s' } },
      'observers.dash.offline: needs a session the server keeps while the observer is offline (in observers.dash.protocol: clean: false, and with version 5 a sessionExpiry)',
    ],
    [
      'a 5.0 session without an expiry, which ends with its connection',
      { protocol: mqtt({ qos: 1, version: 5, clean: false }), offline: { from: '1s', to: '2s' } },
      'observers.dash.offline: needs a session the server keeps while the observer is offline (in observers.dash.protocol: clean: false, and with version 5 a sessionExpiry)',
    ],
    [
      'a protocol that keeps no session',
      { protocol: coap({ type: 'CON' }), offline: { from: '1s', to: '2s' } },
      'observers.dash.offline: coap keeps no session while a device is disconnected',
    ],
    [
      'an end before its start',
      { offline: { from: '3s', to: '2s' } },
      'observers.dash.offline.to: expected a time after offline.from (3000 ms), got "2s"',
    ],
    [
      'an end after the send phase',
      { offline: { from: '3s', to: '11s' } },
      'observers.dash.offline.to: expected a time within the send phase (duration 10000 ms), got "11s"',
    ],
    [
      'a missing end',
      { offline: { from: '3s' } },
      "observers.dash.offline.to: expected a duration like '30s' or '250ms', got nothing",
    ],
    [
      'an unknown field',
      { offline: { from: '1s', to: '2s', until: '3s' } },
      'observers.dash.offline.until: unknown field (expected one of from, to)',
    ],
    [
      'an offline phase before the late subscriber joined',
      { startTime: '3s', offline: { from: '1s', to: '4s' } },
      'observers.dash.offline.from: expected a time after startTime (3000 ms), got "1s"',
    ],
    [
      'a shared subscription',
      {
        protocol: mqtt({ qos: 1, version: 5, clean: false, sessionExpiry: '1m' }),
        share: 'g',
        offline: { from: '1s', to: '2s' },
      },
      'observers.dash.offline: an offline phase is for observers that each receive every message, not a share',
    ],
    [
      'a startTime after the send phase',
      { startTime: '10s' },
      'observers.dash.startTime: expected a time within the send phase (duration 10000 ms), got "10s"',
    ],
  ])('rejects %s, naming the field', (_what, observer, problem) => {
    expect(problemsOf(withObserver(observer))).toContain(problem);
  });
});
