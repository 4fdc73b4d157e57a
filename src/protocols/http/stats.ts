// The `fleets.<name>.http` block of a result, from the codes a group counted: for senders what
// they asked and got back, for receivers (webhook endpoints, the embedded server) what they
// were asked and answered. Bytes per request/response are means over the group's bytes.
import { codeCount, codesUnder, round2 } from '../codes.ts';
import type { ResolvedHttpOptions } from './options.ts';

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

export function httpStats(
  codes: ReadonlyMap<string, number>,
  bytes: { sent: number; received: number },
  options: ResolvedHttpOptions,
): HttpStats {
  const n = (packet: string, code: string): number => codeCount(codes, packet, code);
  const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
  const responses = codesUnder(codes, 'response');
  const answered = sum(responses);
  let requests = sum(codesUnder(codes, 'request'));
  // The embedded server's group carries a sender's options: what it counted tells its role.
  const server = options.listen !== undefined || requests > 0 || n('tcp', 'accept') > 0;
  // A client's requests are those answered plus those that never were.
  if (!server)
    requests =
      answered +
      n('http', 'timeout') +
      n('http', 'connection_failed') +
      n('http', 'malformed_response') +
      n('http', 'abandoned');
  const [out, back] = server ? [bytes.received, bytes.sent] : [bytes.sent, bytes.received];
  return {
    role: server ? 'server' : 'client',
    requests,
    responses,
    connections: server ? n('tcp', 'accept') : n('tcp', 'connect'),
    bytesPerRequest: requests > 0 ? round2(out / requests) : null,
    bytesPerResponse: answered > 0 ? round2(back / answered) : null,
    timeouts: n('http', 'timeout'),
    connectionFailures: n('http', 'connection_failed'),
    closedByServer: n('tcp', 'closed_by_server'),
    malformed: server ? n('http', 'bad_request') : n('http', 'malformed_response'),
  };
}
