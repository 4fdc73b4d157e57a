// A client device's exchanges: one request (or block-wise transfer) and what it waits for, and
// how its request is rebuilt per block (RFC 7252 §5, RFC 7959 §2.2 – §2.6).
import type { DeviceEvents, OutgoingMessage } from '../driver.ts';
import { decodeBlock, encodeUint, generate, MAX_DATAGRAM, type ParsedPacket, type pathOptions } from './codec.ts';
import { COAP_CODES, isErrorResponse, responseName } from './codes.ts';
import type { Peer } from './endpoint.ts';

export interface Exchange {
  message: OutgoingMessage | undefined;
  peer: Peer;
  /** The request, rebuilt per block with a new Message ID. */
  build: (messageId: number, block1: Buffer | undefined, block2: Buffer | undefined) => Buffer;
  confirmable: boolean;
  /** Block1: the whole payload, sent in blocks of `blockSize`. */
  body: Buffer | undefined;
  /** Block1: the last block sent (its number and size), for the next one after 2.31 Continue. */
  block1?: { num: number; size: number };
  /** NON requests: when it was sent, for the unanswered sweep. */
  sentAtMs: number;
  /** Resolves registrations (observers) and deregistrations. */
  settle?: (response: ParsedPacket | undefined) => void;
  /** The first response of an Observe exchange: it carries Observe and Max-Age, later blocks do not. */
  observed?: ParsedPacket;
  /** Fetching the rest of a block-wise notification (RFC 7959 §2.6). */
  rest?: RestFetch;
}

export interface RestFetch {
  /** The notification's ETag: every block must carry it (RFC 7252 §5.10.6). */
  etag: Buffer | undefined;
  parts: Buffer[];
  done(payload: Buffer, atUs: number): void;
}

export interface RequestShape {
  code: string;
  confirmable: boolean;
  token: Buffer;
  uri: ReturnType<typeof pathOptions>;
  body: Buffer | undefined;
  contentFormat: number;
  observe: number | undefined;
  /** RFC 7967: the request declines every response class (No-Response 26). */
  noResponse?: boolean;
}

/** RFC 7967 §2.1: No-Response bits: 2 declines 2.xx, 8 declines 4.xx, 16 declines 5.xx; 26 all three. */
export const NO_RESPONSE_ALL = 26;

/** The request, rebuilt per block with a new Message ID and its Block1/Block2 options. */
export function requestBuilder(r: RequestShape): Exchange['build'] {
  return (messageId, block1, block2) => {
    const options = [...r.uri];
    // RFC 7959 §2.6: only the request for the first block carries Observe.
    if (r.observe !== undefined && (!block2 || (decodeBlock(block2)?.num ?? 0) === 0))
      options.push({ name: 'Observe', value: encodeUint(r.observe) });
    if (r.body !== undefined) options.push({ name: 'Content-Format', value: encodeUint(r.contentFormat) });
    // RFC 7967 §2: option number 258 (coap-packet knows it by name), a uint of 0 – 1 bytes.
    if (r.noResponse) options.push({ name: 'No-Response', value: encodeUint(NO_RESPONSE_ALL) });
    if (block1) options.push({ name: 'Block1', value: block1 });
    if (block2) options.push({ name: 'Block2', value: block2 });
    let payload = r.body ?? Buffer.alloc(0);
    if (block1) {
      const b = decodeBlock(block1) as { num: number; size: number };
      payload = payload.subarray(b.num * b.size, (b.num + 1) * b.size);
      // RFC 7959 §4: Size1 announces the whole body in the first block.
      if (b.num === 0) options.push({ name: 'Size1', value: encodeUint(r.body?.length ?? 0) });
    }
    const { code, confirmable, token } = r;
    return generate({ code, confirmable, messageId, token, options, payload }, MAX_DATAGRAM);
  };
}

/** RFC 7967: a NON request with No-Response 26, sent and forgotten (no exchange waits for it). */
export function noResponseRequest(
  r: Omit<RequestShape, 'confirmable' | 'observe' | 'noResponse'>,
  messageId: number,
): Buffer {
  return requestBuilder({ ...r, confirmable: false, observe: undefined, noResponse: true })(
    messageId,
    undefined,
    undefined,
  );
}

/**
 * An exchange ended with `response` (undefined: timed out or reset): resolves a registration,
 * completes a block-wise notification, or reports the request's outcome. `who` is
 * "<client id>: <method>", for the error's message.
 */
export function settleExchange(
  x: Exchange,
  response: ParsedPacket | undefined,
  atUs: number,
  events: DeviceEvents,
  who: string,
): void {
  if (x.settle) {
    x.settle(x.observed ?? response);
    return;
  }
  if (x.rest) {
    if (response?.code.startsWith('2.')) x.rest.done(Buffer.concat(x.rest.parts), atUs);
    else events.onCode(COAP_CODES.keys.block2.incomplete);
    return;
  }
  if (!response || !x.message) return;
  if (isErrorResponse(response.code)) {
    // RFC 7252 §5.9.2, §5.9.3: a 4.xx or 5.xx answers the request but refuses it: an error by
    // its code, never an acknowledged (delivered) message.
    events.onError(
      `coap.response_${response.code}`,
      `${who} ${x.message.topic} answered ${responseName(response.code)}`,
    );
    return;
  }
  // The whole exchange, block-wise ones included: request → final response.
  events.onAck(x.message, atUs, undefined);
}
