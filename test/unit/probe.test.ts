// Reading probe runs into cells, comparing a matrix with its baseline, and rendering it: each
// rule of src/probe/verdict.ts and baseline.ts against results whose every figure is set here.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, FleetbenchError } from '../../src/base/errors.ts';
import { compareToBaseline } from '../../src/probe/baseline.ts';
import { defineProbe } from '../../src/probe/define.ts';
import { matrixJUnit } from '../../src/probe/junit.ts';
import { type MatrixCell, PROBE_SCHEMA, type ProbeMatrix } from '../../src/probe/matrix.ts';
import { parseLoad, parseProbeTarget } from '../../src/probe/run.ts';
import { matrixMarkdown, matrixText } from '../../src/probe/text.ts';
import { type Cell, judge } from '../../src/probe/verdict.ts';
import type { HealthCheck, RunResult, ThresholdOutcome } from '../../src/result/types.ts';
import { delivery, fleet, result, times } from '../helpers/results.ts';

const probe = defineProbe({
  behaviour: 'retained message to a late subscriber',
  protocol: 'mqtt',
  notOffered: [{ when: 'retain_available=0', because: 'Retain Available 0' }],
});

const threshold = (passed: boolean): ThresholdOutcome => ({
  key: 'late.retained_delivered',
  expression: 'rate == 1',
  group: 'late',
  metric: 'retained_delivered',
  passed,
  actual: passed ? 1 : 0,
  actualText: passed ? '1 (100%)' : '0 (0%)',
  limitText: '1 (100%)',
  abortOnFail: false,
  message: passed ? '' : 'measured 0 (0%), limit == 1 (100%)',
});
const health = (name: HealthCheck['name'], passed: boolean): HealthCheck => ({
  name,
  passed,
  message: passed ? 'fine' : 'meters: 3× wrong ack',
  groups: [],
  waived: false,
});

function run(
  o: { thresholds?: ThresholdOutcome[]; health?: HealthCheck[]; codes?: Record<string, number> } = {},
): RunResult {
  const d = delivery('meters', 'late', 10, 0);
  d.latency.corrected = { ...d.latency.corrected, count: 10, p50: 1234 };
  return {
    ...result({ fleets: { meters: fleet(), late: fleet({ kind: 'observer' }) }, delivery: [d] }),
    thresholds: o.thresholds ?? [threshold(true)],
    health: o.health ?? [health('protocol_errors', true)],
    codes: o.codes ?? {},
  };
}

describe('judge', () => {
  it('✓ when every threshold and health check passed, with the delivery median as its latency', () => {
    const c = judge(probe, { result: run() }, 900);
    expect(c).toMatchObject({ status: 'pass', latencyUs: 1234, latencyOf: 'delivery', elapsedMs: 900 });
    expect(c.seen).toContain('late.retained_delivered: rate == 1 (1 (100%))');
  });

  it('✗ with every failed threshold and health check as what was seen', () => {
    const c = judge(
      probe,
      { result: run({ thresholds: [threshold(false)], health: [health('protocol_errors', false)] }) },
      1,
    );
    expect(c.status).toBe('fail');
    expect(c.seen).toBe(
      'late.retained_delivered: measured 0 (0%), limit == 1 (100%); protocol_errors: meters: 3× wrong ack',
    );
  });

  it('✗ also names the errors the run counted: what the peer did', () => {
    const r = {
      ...run({ thresholds: [threshold(false)] }),
      errors: [
        {
          group: 'late',
          code: 'mqtt.retained_to_shared_subscription',
          count: 4,
          message: 'retained to a $share member',
        },
      ],
    };
    expect(judge(probe, { result: r }, 1).seen).toBe(
      'late.retained_delivered: measured 0 (0%), limit == 1 (100%); errors: mqtt.retained_to_shared_subscription ×4: retained to a $share member',
    );
  });

  it('n/a when a code says the feature is not offered, even if thresholds failed', () => {
    const r = run({ thresholds: [threshold(false)], codes: { 'late|announced|retain_available=0': 1 } });
    expect(judge(probe, { result: r }, 1)).toMatchObject({ status: 'na', seen: 'Retain Available 0' });
    // A code counted zero times is not a sign.
    const zero = run({ thresholds: [threshold(false)], codes: { 'late|announced|retain_available=0': 0 } });
    expect(judge(probe, { result: zero }, 1).status).toBe('fail');
  });

  it('a run that could not start: unreachable is an error, a refusal is ✗ (or ✓ when the probe expects it, n/a when it is a sign)', () => {
    const unreachable = new FleetbenchError(
      ErrorCodes.CONNECT_REFUSED,
      'mqtt://x: cannot connect: connection refused (ECONNREFUSED)',
      {
        reasonCode: 'ECONNREFUSED',
      },
    );
    expect(judge(probe, { error: unreachable }, 1)).toMatchObject({ status: 'error', latencyUs: null });
    const refused = new FleetbenchError(
      ErrorCodes.CONNECT_REJECTED,
      'broker refused the connection: not authorized (0x87)',
      {
        reasonCode: 0x87,
      },
    );
    expect(judge(probe, { error: refused }, 1)).toMatchObject({
      status: 'fail',
      seen: expect.stringContaining('not authorized'),
    });
    const expecting = defineProbe({
      behaviour: 'anonymous refused',
      protocol: 'mqtt',
      expectRefusal: /not authorized/,
    });
    expect(judge(expecting, { error: refused }, 1).status).toBe('pass');
    expect(judge(expecting, { result: run() }, 1)).toMatchObject({
      status: 'fail',
      seen: 'accepted: the run was not refused',
    });
    const v5 = defineProbe({
      behaviour: 'x',
      protocol: 'mqtt',
      notOffered: [{ when: 'unacceptable protocol version', because: 'no 5.0' }],
    });
    const old = new FleetbenchError(ErrorCodes.CONNECT_REJECTED, 'refused: unacceptable protocol version (0x01)');
    expect(judge(v5, { error: old }, 1)).toMatchObject({ status: 'na', seen: 'no 5.0' });
  });

  it('a scenario error is "could not run", on one line', () => {
    const e = new FleetbenchError(
      ErrorCodes.SCENARIO_INVALID,
      'p.ts: invalid scenario\n  - fleets.a.payload: too small',
    );
    expect(judge(probe, { error: e }, 1)).toMatchObject({
      status: 'error',
      seen: 'could not run: p.ts: invalid scenario fleets.a.payload: too small',
    });
  });
});

const cell = (status: Cell['status'], seen: string = status): MatrixCell => ({
  status,
  seen,
  latencyUs: 1000,
  latencyOf: 'delivery',
  elapsedMs: 10,
});

function matrix(cells: ProbeMatrix['cells'], loadResults: ProbeMatrix['loadResults'] = {}): ProbeMatrix {
  const row = (id: string, load = false) => ({
    id,
    behaviour: id.split('@')[0] as string,
    variant: id.split('@')[1] ?? null,
    protocol: 'mqtt',
    spec: null,
    section: null,
    load,
    file: `${id}.ts`,
  });
  return {
    schema: PROBE_SCHEMA,
    fleetbench: '0.1.0',
    startedAt: '2026-12-06T00:00:00.000Z',
    endedAt: '2026-12-06T00:01:00.000Z',
    partial: false,
    targets: [
      { name: 'a', url: 'mqtt://a', protocol: 'mqtt' },
      { name: 'b', url: 'mqtt://b', protocol: 'mqtt' },
    ],
    rows: [
      ...Object.keys(cells).map((id) => row(id, id.startsWith('load'))),
      ...Object.keys(loadResults)
        .filter((id) => !(id in cells))
        .map((id) => row(id, true)),
    ],
    cells,
    loadResults,
  };
}

describe('compareToBaseline', () => {
  it('fails only a ✓ that became something else; other changes are reported, not failed', () => {
    const before = matrix({ retained: { a: cell('pass'), b: cell('fail') }, qos2: { a: cell('pass'), b: cell('na') } });
    const after = matrix({
      retained: { a: cell('fail', 'got 0 of 2'), b: cell('pass') },
      qos2: { a: cell('pass'), b: cell('na') },
    });
    const v = compareToBaseline('before.json', before, after);
    expect(v.failed).toBe(true);
    expect(v.changes).toEqual([
      expect.objectContaining({
        row: 'retained',
        target: 'a',
        was: 'pass',
        now: 'fail',
        seen: 'got 0 of 2',
        regression: true,
      }),
      expect.objectContaining({ row: 'retained', target: 'b', was: 'fail', now: 'pass', regression: false }),
    ]);
    const better = compareToBaseline('x', matrix({ r: { a: cell('fail') } }), matrix({ r: { a: cell('pass') } }));
    expect(better.failed).toBe(false);
  });

  it('a row or target not in this run is listed as not compared; a ✓ row that did not run is a regression', () => {
    const before = matrix({ r: { a: cell('pass'), b: cell('pass') }, gone: { a: cell('pass') } });
    const after = {
      ...matrix({ r: { a: cell('pass') } }),
      targets: [{ name: 'a', url: 'mqtt://a', protocol: 'mqtt' }],
    };
    const v = compareToBaseline('x', before, after);
    expect(v.notCompared.sort()).toEqual(['gone × a', 'r × b']);
    expect(v.failed).toBe(false);
    const partial = compareToBaseline('x', matrix({ r: { a: cell('pass') } }), matrix({ r: {} }));
    expect(partial.changes[0]).toMatchObject({ now: 'missing', regression: true });
  });

  it("a load row fails by compare's gates: throughput down 10% or more", () => {
    const at = (sentPerS: number): RunResult =>
      result({ fleets: { s: fleet({ sentPerS }) }, latencies: { 's|ack': times(100, 1000) } });
    const before = matrix({}, { load: { a: at(1000) } });
    expect(compareToBaseline('x', before, matrix({}, { load: { a: at(990) } })).failed).toBe(false);
    const v = compareToBaseline('x', before, matrix({}, { load: { a: at(800) } }));
    expect(v.failed).toBe(true);
    expect(v.loads[0]?.regressions.join()).toContain('throughput');
  });
});

describe('rendering', () => {
  const m = matrix({
    'retained@3.1.1': { a: cell('pass'), b: cell('fail', 'got 0 of 2') },
    'qos2@5.0': { a: cell('na', 'MQTT 5 refused'), b: cell('error', 'unreachable') },
  });

  it('the console table: symbols and latency in cells, numbered notes for ✗, n/a and errors', () => {
    const t = matrixText(m);
    expect(t.headers).toEqual(['behaviour', 'a', 'b']);
    expect(t.rows).toEqual([
      ['retained (3.1.1)', '✓ 1.00ms', '✗ [1]'],
      ['qos2 (5.0)', 'n/a [2]', '! [3]'],
    ]);
    expect(t.notes).toEqual([
      '[1] b · retained (3.1.1): got 0 of 2',
      '[2] a · qos2 (5.0): MQTT 5 refused',
      '[3] b · qos2 (5.0): unreachable',
    ]);
    expect(t.counts).toEqual({ pass: 1, fail: 1, na: 1, error: 1 });
  });

  it('Markdown: the table and the notes; JUnit: a suite per target, ✗ failure, n/a skipped, error error', () => {
    const md = matrixMarkdown(m);
    expect(md).toContain('| retained (3.1.1) | ✓ 1.00ms | ✗ [1] |');
    expect(md).toContain('- [1] b · retained (3.1.1): got 0 of 2');
    const x = matrixJUnit(m);
    expect(x.match(/<testsuite /g)).toHaveLength(2);
    expect(x).toContain('name="probe b" tests="2" failures="1" errors="1" skipped="0"');
    expect(x).toContain('name="probe a" tests="2" failures="0" errors="0" skipped="1"');
    expect(x).toContain('<skipped message="not offered: MQTT 5 refused"/>');
  });
});

describe('options', () => {
  it('targets: name=url, a bare URL named host:port, embedded:<protocol>', () => {
    expect(parseProbeTarget('m=mqtt://u:pw@127.0.0.1:1883')).toMatchObject({
      name: 'm',
      url: 'mqtt://u:***@127.0.0.1:1883',
      protocol: 'mqtt',
    });
    expect(parseProbeTarget('coap://127.0.0.1:5683')).toMatchObject({ name: '127.0.0.1:5683', protocol: 'coap' });
    expect(parseProbeTarget('embedded:mqtt')).toMatchObject({ name: 'embedded-mqtt', target: undefined });
    expect(() => parseProbeTarget('nonsense')).toThrow(/expected a URL/);
  });

  it('--load', () => {
    expect(parseLoad(undefined)).toEqual({ devices: 1000, durationS: 20 });
    expect(parseLoad('50x5s')).toEqual({ devices: 50, durationS: 5 });
    expect(parseLoad('off')).toBeNull();
    expect(() => parseLoad('0x5s')).toThrow(/expected <devices>x<seconds>s/);
  });
});
