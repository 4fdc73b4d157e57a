// The CoAP driver's code book: the message layer (RFC 7252 §4), Observe (RFC 7641), block-wise
// transfer (RFC 7959) and response codes (§5.9, §12.1.2), in words and with what a reader should see.
import { type CodeWords, codeBook } from '../../metrics/codes.ts';

/** RFC 7252 §12.1.2 and RFC 7959 §2.9: response codes by name. */
const RESPONSE: Readonly<Record<string, string>> = {
  '2.01': 'Created',
  '2.02': 'Deleted',
  '2.03': 'Valid',
  '2.04': 'Changed',
  '2.05': 'Content',
  '2.31': 'Continue',
  '4.00': 'Bad Request',
  '4.01': 'Unauthorized',
  '4.02': 'Bad Option',
  '4.03': 'Forbidden',
  '4.04': 'Not Found',
  '4.05': 'Method Not Allowed',
  '4.06': 'Not Acceptable',
  '4.08': 'Request Entity Incomplete',
  '4.12': 'Precondition Failed',
  '4.13': 'Request Entity Too Large',
  '4.15': 'Unsupported Content-Format',
  '5.00': 'Internal Server Error',
  '5.01': 'Not Implemented',
  '5.02': 'Bad Gateway',
  '5.03': 'Service Unavailable',
  '5.04': 'Gateway Timeout',
  '5.05': 'Proxying Not Supported',
};

/** '4.05 Method Not Allowed': a response code with its name (RFC 7252 §5.9, §12.1.2). */
export function responseName(code: string): string {
  const name = RESPONSE[code];
  return name ? `${code} ${name}` : code;
}

/** RFC 7252 §5.9.2, §5.9.3: 4.xx Client Error and 5.xx Server Error are not a success. */
export function isErrorResponse(code: string): boolean {
  return code[0] === '4' || code[0] === '5';
}

export const COAP_CODES = codeBook({
  coap: {
    codes: {
      // §4.2: a CON not acknowledged within ACK_TIMEOUT (doubling) is sent again.
      retransmission: true,
      timeout: { meaning: 'CON given up after MAX_RETRANSMIT retransmissions (§4.2)', notable: true },
      rst_received: { meaning: 'RST answer to a CON (§4.2)', notable: true },
      duplicate_suppressed: {
        meaning: 'duplicate recognised by Message ID and not processed again (§4.5)',
        notable: true,
      },
      dedup_evicted: false,
      non_unanswered: { meaning: 'NON request with no response (§4.3)', notable: true },
      abandoned: { meaning: 'CON still being retransmitted when the run ended', notable: true },
      malformed: true,
      unmatched_ack: true,
      unexpected_response: true,
      // RFC 7967 §2: a server did not answer a request whose No-Response option declined it.
      response_suppressed: false,
      // How each final response to a client's request came (RFC 7252 §5.2): in the ACK of its
      // CON (§5.2.1), or in a message of its own, CON or NON, after an empty ACK or to a NON (§5.2.2, §5.2.3).
      response_piggybacked: false,
      response_con: false,
      response_non: false,
    },
  },
  observe: {
    codes: {
      registered: false,
      reregistered: false,
      reregistration: false,
      reregistration_failed: true,
      deregistered: false,
      deregistered_get: false,
      deregistered_rst: false,
      deregistration_unanswered: true,
      observer_timed_out: false,
      notification: false,
      gap: { meaning: 'notifications missing from the sequence (RFC 7641 §4.4)', notable: true },
      stale: { meaning: 'notification older than one already received (RFC 7641 §3.4)', notable: true },
      rst_sent: true,
      ended_by_server: true,
      // `deregisterAfter`: a notification that came after the observation was cancelled (§3.6).
      after_deregistration: {
        meaning: 'notification after the observation was cancelled (RFC 7641 §3.6)',
        notable: true,
      },
    },
  },
  // continue: a 2.31 Continue answering a block that was not the last (RFC 7959 §2.3, §2.5).
  block1: { codes: { sent: false, received: false, incomplete: true, continue: false } },
  block2: {
    codes: {
      sent: false,
      received: false,
      etag_changed: {
        meaning: 'block-wise notification whose representation changed before its last block (RFC 7959 §2.6)',
        notable: true,
      },
      incomplete: { meaning: 'block-wise notification whose remaining blocks could not be fetched', notable: true },
      // RFC 7959 §4: a block-wise response whose Size2 gave the size of what was transferred, another size, or none.
      size2_matched: false,
      size2_mismatch: { meaning: "Size2 differs from the representation's size (RFC 7959 §4)", notable: true },
      size2_absent: false,
    },
  },
  // The Content-Format of each GET's final 2.xx response (RFC 7252 §5.10.3), 'none' without one.
  format: {
    describe(code: string): CodeWords {
      return {
        meaning: code === 'none' ? 'response without Content-Format' : `Content-Format ${code}`,
        notable: false,
      };
    },
  },
  response: {
    describe(code: string): CodeWords {
      return { meaning: `CoAP ${RESPONSE[code] ?? 'response'}`, notable: code[0] === '4' || code[0] === '5' };
    },
  },
});
