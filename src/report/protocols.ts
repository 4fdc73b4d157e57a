// The report's protocol details (each driver's table of its groups' blocks) and its errors and
// protocol codes, in the words each group's driver gives them.
import { protocolTables } from '../result/tables.ts';
import type { RunResult } from '../result/types.ts';
import { codeRows, splitErrorCode } from './codes.ts';
import { empty, esc, int, section, table } from './markup.ts';

/** Each protocol's own figures (retransmissions, confirms, statuses, ...), one table per protocol (Driver.table). */
export function protocolsHtml(result: RunResult): string {
  const tables = protocolTables(result);
  if (tables.length === 0) return section('protocols', empty('No protocol reported figures of its own.'));
  return section(
    'protocols',
    tables
      .map(
        (t) =>
          `<h3>${esc(t.title)}</h3>${table(
            [{ label: 'group' }, ...t.columns.map((c) => ({ label: c.label, num: (c.align ?? 'r') === 'r' }))],
            t.rows.map((r) => ({ attrs: `data-protocol="${esc(t.protocol)}"`, cells: [r.group, ...r.cells].map(esc) })),
            'protocol',
          )}`,
      )
      .join('\n'),
  );
}

export function errorsHtml(result: RunResult): string {
  let out = '';
  if (result.errors.length === 0) out += empty('No errors.');
  else {
    out += table(
      [
        { label: 'fleet' },
        { label: 'code' },
        { label: 'reason code' },
        { label: 'count', num: true },
        { label: 'first message' },
      ],
      result.errors.map((e) => {
        const c = splitErrorCode(e.code);
        return {
          attrs: `data-code="${esc(e.code)}" class="bad"`,
          cells: [
            esc(e.group),
            `<code>${esc(c.code)}</code>`,
            c.reason ? `<code>${esc(c.reason)}</code>` : '-',
            int(e.count),
            esc(e.message),
          ],
        };
      }),
      'errors',
    );
  }
  const rows = codeRows(result.codes, (fleet) => result.fleets[fleet]?.protocol ?? '');
  const notable = rows.filter((r) => r.notable);
  const codeTable = (list: typeof rows): string =>
    table(
      [{ label: 'fleet' }, { label: 'packet' }, { label: 'code' }, { label: 'meaning' }, { label: 'count', num: true }],
      list.map((r) => ({
        cells: [esc(r.fleet), esc(r.packet), `<code>${esc(r.code)}</code>`, esc(r.meaning), int(r.count)],
      })),
      'codes',
    );
  out += '<h3>Protocol codes worth a look</h3>';
  out +=
    notable.length > 0
      ? codeTable(notable)
      : empty('None: no drops, failure reason codes, timeouts, resets or dead letters were counted.');
  if (rows.length > notable.length)
    out += `<details><summary>All ${rows.length} protocol codes counted</summary>${codeTable(rows)}</details>`;
  return section('errors', out);
}
