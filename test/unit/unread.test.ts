// Sent (written to the kernel) but not shown read by the peer at close: summed per group over
// devices and workers, left out of the headline rate, and shown beside it in the console, the
// Markdown verdict, JUnit and the report; absent when no driver can tell.
import { describe, expect, it } from 'vitest';
import { summary } from '../../src/cli/summary.ts';
import type { UnreadMessages } from '../../src/protocols/driver.ts';
import { renderReport } from '../../src/report/html.ts';
import { verdictHtml } from '../../src/report/page.ts';
import { toJUnit } from '../../src/result/junit.ts';
import { runMarkdown } from '../../src/result/markdown.ts';
import { resultShape } from '../../src/result/schema.ts';
import { check } from '../../src/result/shape.ts';
import { unreadLines } from '../../src/result/unread.ts';
import { sendRates, sumUnread, unreadByGroup } from '../../src/runner/send-summary.ts';
import { fleet, result } from '../helpers/results.ts';

const device = (group: string, unread?: { messages: number; bytes: number }) => ({
  group: { name: group },
  driver: { unread },
});

describe('unread figures', () => {
  it('sum per group over devices; a group none reported is absent, a reported zero is kept', () => {
    const byGroup = unreadByGroup([
      device('load', { messages: 3, bytes: 90 }),
      device('load', { messages: 4, bytes: 120 }),
      device('load'),
      device('quiet', { messages: 0, bytes: 0 }),
      device('blind'),
    ]);
    expect(byGroup).toEqual({ load: { messages: 7, bytes: 210 }, quiet: { messages: 0, bytes: 0 } });
  });

  it('sum over workers, undefined when no worker has the group', () => {
    const workers: (Record<string, UnreadMessages> | undefined)[] = [
      { load: { messages: 7, bytes: 210 } },
      undefined,
      {},
      { load: { messages: 1, bytes: 30 } },
    ];
    expect(sumUnread(workers, 'load')).toEqual({ messages: 8, bytes: 240 });
    expect(sumUnread(workers, 'other')).toBeUndefined();
  });

  it('the send rate counts only what the peer read; the kernel rate is kept beside it', () => {
    const counts = { sent: 1_000, received: 50 };
    expect(sendRates(counts, { messages: 250, bytes: 1 }, 10)).toEqual({
      sentPerS: 75,
      receivedPerS: 5,
      writtenPerS: 100,
    });
    // A driver that reported nothing unread: the same rate, and the kernel rate says so.
    expect(sendRates(counts, { messages: 0, bytes: 0 }, 10)).toEqual({
      sentPerS: 100,
      receivedPerS: 5,
      writtenPerS: 100,
    });
    // A driver that cannot tell: sent is all there is.
    expect(sendRates(counts, undefined, 4)).toEqual({ sentPerS: 250, receivedPerS: 12.5 });
    expect(sendRates(counts, { messages: 2_000, bytes: 1 }, 10).sentPerS).toBe(0);
  });
});

describe('unread in the outputs', () => {
  const load = {
    ...fleet({ sentPerS: 40 }),
    rates: { sentPerS: 40, receivedPerS: 0, writtenPerS: 50 },
    unread: { messages: 100, bytes: 3_072 },
  };
  const unread = result({ fleets: { load, other: fleet() } });
  const text =
    'load: 100 of 500 sent messages (3.0KiB) still unread by the peer at close; the rate 40/s counts only what it read (50/s written to the kernel)';

  it('one line per group with messages unread, none for a group that had all read or cannot tell', () => {
    expect(unreadLines(unread).map((l) => l.text)).toEqual([text]);
    const read = result({ fleets: { load: { ...load, unread: { messages: 0, bytes: 0 } }, other: fleet() } });
    expect(unreadLines(read)).toEqual([]);
    expect(summary(read)).not.toMatch(/unread/);
    expect(runMarkdown(read)).not.toMatch(/unread/);
    expect(toJUnit(read, [])).not.toMatch(/unread/);
    expect(verdictHtml(read)).not.toMatch(/unread/);
  });

  it('the console puts it beside the rate and says what the rate counts', () => {
    const out = summary(unread);
    expect(out).toContain('40/s (100 unread)');
    expect(out).toContain(`  ${text}`);
  });

  it('Markdown, JUnit and the report carry it', () => {
    const md = runMarkdown(unread);
    expect(md).toMatch(/\| load \| fleet\/mqtt \| 5\/5 \| 500 \(100 unread\) \|/);
    expect(md).toContain(`- ${text}`);
    const xml = toJUnit(unread, []);
    expect(xml).toContain('<property name="unread.load.messages" value="100"/>');
    expect(xml).toContain('<property name="unread.load.bytes" value="3072"/>');
    expect(xml).not.toContain('unread.other');
    expect(verdictHtml(unread)).toContain(`<li data-unread="load">${text}</li>`);
    expect(renderReport(unread)).toMatch(/data-fleet="load">.*?>500 \(100 unread\)</s);
  });

  it('a saved result with or without the fields passes the schema, and a bad one is named', () => {
    expect(check(resultShape, unread)).toEqual([]);
    expect(check(resultShape, result({ fleets: { other: fleet() } }))).toEqual([]);
    const bad = result({ fleets: { load: { ...load, unread: { messages: -1, bytes: 3 } } } });
    expect(check(resultShape, bad)).toEqual(['fleets.load.unread.messages: expected a whole number ≥ 0, got -1']);
  });
});
