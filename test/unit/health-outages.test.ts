// The outage health checks: a lost connection fails the run unless the scenario scripted it,
// expects it or judges it by a threshold; a device that never came back fails it unless expected.
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { acceptOutages, evaluateHealth, parseExpectations } from '../../src/thresholds/health.ts';
import { fleet, result } from '../helpers/results.ts';

const GROUPS = ['gps', 'dash'];

function withOutage(disconnects: number, faulted: number, unrecovered = 0) {
  const gps = fleet();
  gps.devices = { ...gps.devices, disconnects, faulted, reconnects: disconnects - unrecovered, unrecovered };
  const dash = fleet({ kind: 'observer' });
  dash.devices = { ...dash.devices, disconnects: 0 };
  return result({ fleets: { gps, dash } });
}

function expectations(raw: unknown, thresholds: { metric: string; group: string | undefined }[] = []) {
  const check = new Checker();
  const parsed = parseExpectations(check, raw, GROUPS);
  expect(check.problems).toEqual([]);
  return acceptOutages(parsed, thresholds);
}

const check = (r: ReturnType<typeof withOutage>, e: ReturnType<typeof expectations>, name: string) =>
  evaluateHealth(r, e).find((h) => h.name === name);

describe('outage health checks', () => {
  it('passes a run that lost nothing, and one whose only drops were scripted', () => {
    expect(check(withOutage(0, 0), expectations(undefined), 'outages')).toMatchObject({ passed: true, waived: false });
    expect(check(withOutage(5, 5), expectations(undefined), 'outages')?.passed).toBe(true);
  });

  it('fails a run that lost connections nobody expected, naming the group', () => {
    const h = check(withOutage(7, 2), expectations(undefined), 'outages');
    expect(h).toMatchObject({ passed: false, groups: ['gps'] });
    expect(h?.message).toMatch(/gps 5 lost besides 2 the faults dropped, 7 of 7 back/);
  });

  it('accepts outages the scenario expects: a count, the group, or a threshold on them', () => {
    const lost = withOutage(7, 2);
    expect(check(lost, expectations({ disconnects: 5 }), 'outages')).toMatchObject({ passed: true, waived: true });
    expect(check(lost, expectations({ disconnects: 4 }), 'outages')?.passed).toBe(false);
    expect(check(lost, expectations({ disconnects: ['gps'] }), 'outages')?.passed).toBe(true);
    expect(check(lost, expectations({ disconnects: ['dash'] }), 'outages')?.passed).toBe(false);
    expect(
      check(lost, expectations(undefined, [{ metric: 'reconnect_latency', group: 'gps' }]), 'outages')?.passed,
    ).toBe(true);
    expect(check(lost, expectations(undefined, [{ metric: 'unsent', group: undefined }]), 'outages')?.passed).toBe(
      true,
    );
    expect(check(lost, expectations(undefined, [{ metric: 'loss', group: 'gps' }]), 'outages')?.passed).toBe(false);
  });

  it('fails devices that never came back unless the scenario expects it', () => {
    const stuck = withOutage(4, 4, 3);
    const h = check(stuck, expectations(undefined), 'unrecovered');
    expect(h).toMatchObject({ passed: false, groups: ['gps'] });
    expect(h?.message).toMatch(/gps 3 of 5 still down at the end/);
    expect(check(stuck, expectations({ unrecovered: ['gps'] }), 'unrecovered')).toMatchObject({
      passed: true,
      waived: true,
    });
  });

  it('names a bad expectation', () => {
    const c = new Checker();
    parseExpectations(c, { disconnects: 'some', unrecovered: ['gpss'] }, GROUPS);
    expect(c.problems).toEqual([
      'expect.unrecovered[0]: expected a fleet, observer or command name (gps, dash), got "gpss"',
      'expect.disconnects: expected true, false, a count or a list of group names, got "some"',
    ]);
  });
});
