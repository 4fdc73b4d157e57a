// The protocol_errors health check: a code a driver (or the run) marks as failing — a peer's
// protocol violation, a send refused by a limit the peer announced — fails the run, by group.
import { describe, expect, it } from 'vitest';
import { evaluateHealth, NO_EXPECTATIONS } from '../../src/thresholds/health.ts';
import { fleet, result } from '../helpers/results.ts';

const check = (codes: Record<string, number>) => {
  const r = result({ fleets: { gps: fleet(), dash: fleet({ kind: 'observer' }) } });
  r.codes = codes;
  return evaluateHealth(r, NO_EXPECTATIONS).find((h) => h.name === 'protocol_errors');
};

describe('protocol_errors health check', () => {
  it('passes on routine codes, including notable ones that are not violations', () => {
    expect(check({ 'gps|puback|0': 10, 'gps|puback|16': 2, 'gps|dropped|window_full': 3 })).toMatchObject({
      passed: true,
      groups: [],
    });
  });

  it('fails on a wrong ack and on sends refused by an announced limit, naming the groups', () => {
    const h = check({ 'gps|violation|wrong_ack': 6, 'dash|dropped|refused': 2, 'gps|puback|0': 1 });
    expect(h).toMatchObject({ passed: false, groups: ['gps', 'dash'] });
    expect(h?.message).toMatch(
      /^gps 6× an acknowledgement of the wrong type .*; dash 2× the send would break a limit the peer announced/,
    );
  });
});
