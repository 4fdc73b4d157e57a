// Thresholds on protocol codes: a key as in result.codes ('<group>|<packet>|<code>', or
// '<packet>|<code>' for the run) counts that code; only codes some code book declares are
// accepted, and a failed threshold says which codes of the packet came instead.
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { evaluateThresholds, type Judged, type ParsedThreshold, parseThresholds } from '../../src/thresholds/index.ts';

const GROUPS = ['put', 'obs'];

function parse(raw: unknown): { parsed: ParsedThreshold[]; problems: string[] } {
  const check = new Checker();
  const parsed = parseThresholds(check, raw, GROUPS);
  return { parsed, problems: check.problems };
}

const fleet = { devices: {}, messages: {}, rates: {} } as Judged['fleets'][string];

const RESULT: Judged = {
  fleets: { put: fleet, obs: fleet },
  delivery: [],
  errors: [],
  histograms: {},
  codes: {
    'put|response|2.04': 3,
    'put|response|2.01': 1,
    'obs|response|2.05': 2,
    'obs|observe|notification': 5,
    'put|coap|retransmission': 2,
  },
};

function judge(key: string, expression: string, result: Judged = RESULT) {
  const { parsed, problems } = parse({ [key]: [expression] });
  expect(problems).toEqual([]);
  const [outcome] = evaluateThresholds(parsed, result);
  return outcome!;
}

describe('thresholds on codes', () => {
  it('parses a group code key, with a dot in the code', () => {
    const { parsed, problems } = parse({ ' put | response | 4.05 ': ['>= 1'] });
    expect(problems).toEqual([]);
    expect(parsed[0]).toMatchObject({
      key: 'put|response|4.05',
      group: 'put',
      metric: 'response|4.05',
      aggregation: 'count',
      op: '>=',
      limit: 1,
    });
  });

  it("counts the group's code, or the run's sum", () => {
    expect(judge('put|response|2.04', '== 3')).toMatchObject({ passed: true, actual: 3 });
    expect(judge('obs|observe|notification', '>= 5')).toMatchObject({ passed: true, actual: 5 });
    expect(judge('response|2.05', '== 2')).toMatchObject({ passed: true, actual: 2 });
    expect(judge('coap|retransmission', '== 2')).toMatchObject({ passed: true, actual: 2 });
    // A declared code nobody counted is 0, not "no measurements": '== 0' holds.
    expect(judge('put|response|4.05', '== 0')).toMatchObject({ passed: true, actual: 0 });
  });

  it('a failed code threshold names the codes of the packet that came instead', () => {
    expect(judge('put|response|4.05', '>= 1')).toMatchObject({
      passed: false,
      actual: 0,
      message: 'measured 0, limit >= 1 (response counted: 2.04 ×3, 2.01 ×1)',
    });
    expect(judge('obs|block2|received', '>= 1').message).toBe('measured 0, limit >= 1 (no other block2 code counted)');
  });

  it('without codes (a live view) there is no measurement', () => {
    const { codes: _, ...live } = RESULT;
    expect(judge('put|response|2.04', '== 3', live)).toMatchObject({ passed: false, message: 'no measurements' });
  });

  it.each<[string, unknown, string]>([
    ['ghost|response|2.05', ['== 1'], 'unknown group "ghost" (expected one of put, obs)'],
    ['put|responses|2.05', ['== 1'], 'unknown code: no protocol counts a packet "responses"'],
    ['put|observe|notifications', ['== 1'], 'unknown code: observe has no code "notifications" (codes: '],
    ['put|a|b|c', ['== 1'], "a code count is keyed '<group>|<packet>|<code>' or '<packet>|<code>'"],
    ['put|response|', ['== 1'], 'unknown code: expected <packet>|<code>, both non-empty'],
    ['put|response|2.05', ['rate < 1%'], 'expected an aggregation of response|2.05 (count)'],
  ])('refuses %s %j', (key, items, problem) => {
    const { parsed, problems } = parse({ [key]: items });
    expect(parsed).toEqual([]);
    expect(problems.join('\n')).toContain(problem);
  });

  it('refuses abortOnFail: codes are counted into the result at the end', () => {
    const { problems } = parse({ 'put|response|2.05': [{ threshold: '== 1', abortOnFail: true }] });
    expect(problems.join('\n')).toContain('response|2.05 is only known when the run ends');
  });
});
