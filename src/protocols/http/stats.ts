// The `fleets.<name>.http` block of a result, from the codes a group counted: for senders what
// they asked and got back, for receivers (webhook endpoints, the embedded server) what they
// were asked and answered. Bytes per request/response are means over the group's bytes.
import { formatTally, round2 } from '../../base/format.ts';
import { type CodeKey, countOf, countsUnder } from '../../metrics/codes.ts';
import type { BlockInput, BlockTable } from '../driver.ts';
import { HTTP_CODES } from './codes.ts';
import type { ResolvedHttpOptions } from './options.ts';

const C = HTTP_CODES.keys;

export interface HttpStats {
  /** 'client': the group sent requests; 'server': it received them. */
  role: 'client' | 'server';
  requests: number;
  /** Responses by status, e.g. { '204': 120 }. */
  responses: Record<string, number>;
  /** TCP connections opened (client) or accepted (server). */
  connections: number;
  /** Mean request bytes on the wire (request line, header fields, body). */
  bytesPerRequest: number | null;
  /** Mean response bytes on the wire (status line, header fields, body). */
  bytesPerResponse: number | null;
  /** Clients: requests with no complete response within `timeout`. */
  timeouts: number;
  /** Clients: requests whose connection failed or closed before the response. */
  connectionFailures: number;
  /** Clients: idle persistent connections the server closed (reopened on the next request). */
  closedByServer: number;
  /** Clients: responses that were not HTTP/1.x; servers: requests answered 400. */
  malformed: number;
}

export function httpStats({ codes, bytes, options }: BlockInput<ResolvedHttpOptions>): HttpStats {
  const n = (code: CodeKey): number => countOf(codes, code);
  const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
  const responses = countsUnder(codes, C.response);
  const answered = sum(responses);
  let requests = sum(countsUnder(codes, C.request));
  // The embedded server's group carries a sender's options: what it counted tells its role.
  const server = options.listen !== undefined || requests > 0 || n(C.tcp.accept) > 0;
  // A client's requests are those answered plus those that never were.
  if (!server)
    requests =
      answered + n(C.http.timeout) + n(C.http.connection_failed) + n(C.http.malformed_response) + n(C.http.abandoned);
  const [out, back] = server ? [bytes.received, bytes.sent] : [bytes.sent, bytes.received];
  return {
    role: server ? 'server' : 'client',
    requests,
    responses,
    connections: server ? n(C.tcp.accept) : n(C.tcp.connect),
    bytesPerRequest: requests > 0 ? round2(out / requests) : null,
    bytesPerResponse: answered > 0 ? round2(back / answered) : null,
    timeouts: n(C.http.timeout),
    connectionFailures: n(C.http.connection_failed),
    closedByServer: n(C.tcp.closed_by_server),
    malformed: server ? n(C.http.bad_request) : n(C.http.malformed_response),
  };
}

/** The console's and the report's http table. */
export const httpTable: BlockTable<HttpStats> = {
  columns: [
    { label: 'role', align: 'l' },
    { label: 'requests' },
    { label: 'responses', align: 'l' },
    { label: 'conns' },
    { label: 'B/req / B/resp' },
    { label: 'timeouts' },
    { label: 'conn failed' },
  ],
  row: (h) => [
    h.role,
    String(h.requests),
    formatTally(h.responses),
    String(h.connections),
    `${h.bytesPerRequest ?? '-'}/${h.bytesPerResponse ?? '-'}`,
    String(h.timeouts),
    String(h.connectionFailures),
  ],
};
