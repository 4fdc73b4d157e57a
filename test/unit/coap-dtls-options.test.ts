// The coap() `dtls` option: validation at load (naming the field), per-device credentials from
// templates, and the coap:// / coaps:// mismatch refused before any traffic.
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { credentialsFor, dtlsMismatch } from '../../src/protocols/coap/dtls-options.ts';
import { resolveCoapOptions } from '../../src/protocols/coap/options.ts';

const problems = (dtls: unknown, extra: Record<string, unknown> = {}): string[] => {
  const check = new Checker();
  resolveCoapOptions({ dtls, ...extra }, 'fleets.m.protocol', check);
  return [...check.problems];
};

describe('coap({ dtls })', () => {
  it('accepts a text key or a hex key, and refuses neither, both, bad hex, an empty identity and virtual sensors', () => {
    expect(problems({ identity: 'm-{id}', key: 'secret' })).toEqual([]);
    expect(problems({ keyHex: '00ff10' })).toEqual([]);
    expect(problems({ identity: 'x' })).toEqual([
      'fleets.m.protocol.dtls: needs the pre-shared key: exactly one of key (text) or keyHex (hex digits)',
    ]);
    expect(problems({ key: 'a', keyHex: '00' })).toHaveLength(1);
    expect(problems({ keyHex: 'abc' })[0]).toMatch(
      /^fleets\.m\.protocol\.dtls\.keyHex: expected an even number of hex digits/,
    );
    expect(problems({ key: 'k', identity: '' })).toEqual([
      'fleets.m.protocol.dtls.identity: expected a non-empty string, got ""',
    ]);
    expect(problems({ key: 'k', hint: 'x' })[0]).toMatch(/^fleets\.m\.protocol\.dtls\.hint: unknown field/);
    expect(problems({ key: 'k' }, { serve: true })).toEqual([
      'fleets.m.protocol.dtls: is for clients and observers of a coaps:// target: virtual sensors (serve) serve plain coap:// only',
    ]);
  });

  it('renders identity and key per device; the identity defaults to the clientId', () => {
    const device = { clientId: 'fb-r1-m-7', index: 7, fleet: 'm', runId: 'r1' };
    expect(credentialsFor({ identity: '{fleet}-{id}', key: 'k-{id}', encoding: 'utf8' }, device)).toEqual({
      identity: 'm-7',
      key: Buffer.from('k-7'),
    });
    expect(credentialsFor({ identity: undefined, key: '00ff', encoding: 'hex' }, device)).toEqual({
      identity: 'fb-r1-m-7',
      key: Buffer.from([0, 255]),
    });
  });

  it('coaps:// needs credentials and only coaps:// takes them', () => {
    const dtls = { identity: undefined, key: 'k', encoding: 'utf8' as const };
    expect(dtlsMismatch('coaps://h:5684', undefined, 'coaps://h:5684')?.reasonCode).toBe('dtls_no_credentials');
    expect(dtlsMismatch('coap://h', dtls, 'coap://h')?.reasonCode).toBe('dtls_not_coaps');
    expect(dtlsMismatch('COAPS://h', dtls, 'x')).toBeUndefined();
    expect(dtlsMismatch('coap://h', undefined, 'x')).toBeUndefined();
  });
});
