// The scenario's source-address pool: lists and CIDR blocks, expanded and validated.
import { describe, expect, it } from 'vitest';
import { expandCidr, sourceAddressOf } from '../../src/dsl/source-addresses.ts';
import { validateScenario } from '../../src/dsl/validate.ts';
import { every, mqtt } from '../../src/index.ts';
import { problemsOf } from '../helpers/validation.ts';

const scenario = (sourceAddresses: unknown) => ({
  name: 'x',
  duration: '1s',
  sourceAddresses,
  fleets: { s: { count: 4, protocol: mqtt(), topic: 't/{id}', send: every('1s') } },
});

describe('sourceAddresses', () => {
  it('expands a CIDR to its hosts, without network and broadcast below /31', () => {
    expect(expandCidr('127.0.0.0/29')).toEqual([
      '127.0.0.1',
      '127.0.0.2',
      '127.0.0.3',
      '127.0.0.4',
      '127.0.0.5',
      '127.0.0.6',
    ]);
    expect(expandCidr('10.0.0.254/31')).toEqual(['10.0.0.254', '10.0.0.255']);
    expect(expandCidr('192.168.1.7/32')).toEqual(['192.168.1.7']);
    expect(expandCidr('10.0.255.252/30')).toEqual(['10.0.255.253', '10.0.255.254']);
    expect(expandCidr('10.0.0.0/16')).toHaveLength(65_534);
    expect(expandCidr('127.0.0.1/29')).toMatch(/host bits set: the block starts at 127.0.0.0/);
    expect(expandCidr('10.0.0.0/8')).toMatch(/at most 65536/);
    expect(expandCidr('300.0.0.0/24')).toMatch(/expected an IPv4 CIDR/);
  });

  it('gives device i of a fleet the (i mod n)-th address', () => {
    const pool = ['127.0.0.2', '127.0.0.3'];
    expect([0, 1, 2, 3].map((i) => sourceAddressOf(pool, i))).toEqual([
      '127.0.0.2',
      '127.0.0.3',
      '127.0.0.2',
      '127.0.0.3',
    ]);
    expect(sourceAddressOf(undefined, 3)).toBeUndefined();
  });

  it('lands in the plan as a list', () => {
    expect(validateScenario(scenario(['127.0.0.2', '::1']), 's.ts').sourceAddresses).toEqual(['127.0.0.2', '::1']);
    expect(validateScenario(scenario('127.0.0.0/30'), 's.ts').sourceAddresses).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(validateScenario(scenario('127.0.0.9'), 's.ts').sourceAddresses).toEqual(['127.0.0.9']);
    expect(validateScenario(scenario(undefined), 's.ts').sourceAddresses).toBeUndefined();
  });

  it('refuses what is not an address pool, naming the field', () => {
    expect(problemsOf(scenario(['127.0.0.2', 'localhost', 7]), 's.ts')).toEqual([
      'sourceAddresses[1]: expected an IP address like 127.0.0.2, got "localhost"',
      'sourceAddresses[2]: expected an IP address like 127.0.0.2, got 7',
    ]);
    expect(problemsOf(scenario(['127.0.0.2', '127.0.0.2']), 's.ts')).toEqual([
      'sourceAddresses[1]: "127.0.0.2" is listed twice',
    ]);
    expect(problemsOf(scenario([]), 's.ts')[0]).toMatch(/^sourceAddresses: expected a list of IP addresses/);
    expect(problemsOf(scenario('127.0.0.1/29'), 's.ts')).toEqual([
      'sourceAddresses: "127.0.0.1/29": host bits set: the block starts at 127.0.0.0 (write 127.0.0.0/29)',
    ]);
  });
});
