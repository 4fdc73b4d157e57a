// The HTTP/1.1 driver's code book: requests by method and responses by status (RFC 9110 §9,
// §15), TCP connections opened, accepted and closed, and the failures a client or server counts.
import { STATUS_CODES } from 'node:http';
import { type CodeWords, codeBook } from '../../metrics/codes.ts';

export const HTTP_CODES = codeBook({
  tcp: { codes: { connect: false, accept: false, probe: false, closed_by_server: true } },
  http: {
    codes: {
      timeout: { meaning: 'no complete response within the timeout', notable: true },
      connection_failed: { meaning: 'connection failed or closed before the response', notable: true },
      malformed_response: { meaning: 'response that is not HTTP/1.x', notable: true },
      abandoned: { meaning: 'request still unanswered when the run ended', notable: true },
      bad_request: { meaning: 'request answered 400 Bad Request', notable: true },
    },
  },
  request: { describe: (method: string): CodeWords => ({ meaning: `${method} request`, notable: false }) },
  response: {
    describe(code: string): CodeWords {
      const n = Number(code);
      return { meaning: `HTTP ${STATUS_CODES[n] ?? 'status'}`, notable: n >= 400 };
    },
  },
});
