// A client device's exchanges: one request (or block-wise transfer) and what it waits for, and
// how its request is rebuilt per block (RFC 7252 §5, RFC 7959 §2.2 – §2.6).
import type { CodeKey } from '../../metrics/codes.ts';
import type { DeviceEvents, OutgoingMessage } from '../driver.ts';
import {
  decodeBlock,
  decodeUint,
  encodeUint,
  generate,
  MAX_DATAGRAM,
  option,
  type ParsedPacket,
  type pathOptions,
} from './codec.ts';
import { COAP_CODES, isErrorResponse, responseName } from './codes.ts';
import type { Peer } from './endpoint.ts';
import { derivedTimes, type ResolvedCoapOptions, type TransmissionParameters } from './options.ts';

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
  /** A GET: its final response's Content-Format is counted. */
  get?: boolean;
  /** Block2: the bytes of the blocks received so far, and the Size2 the first one announced (RFC 7959 §4). */
  block2Bytes?: number;
  size2?: number;
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
  /** The fleet's `extraOptions`, added as they are (RFC 7252 §5.4). */
  extra?: readonly { name: string; value: Buffer }[];
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
    if (r.extra) options.push(...r.extra);
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
  o: Pick<ResolvedCoapOptions, 'contentFormat' | 'extraOptions'>,
  r: Pick<RequestShape, 'code' | 'token' | 'uri' | 'body'>,
  messageId: number,
): Buffer {
  const shape = { ...r, contentFormat: o.contentFormat, extra: o.extraOptions };
  return requestBuilder({ ...shape, confirmable: false, observe: undefined, noResponse: true })(
    messageId,
    undefined,
    undefined,
  );
}

/** Forgets NON requests nobody answered within MAX_TRANSMIT_WAIT (§4.8.2), once a second; CONs time out on their own. */
export function sweepEvery(
  exchanges: Map<string, Exchange>,
  t: TransmissionParameters,
  unanswered: () => void,
): NodeJS.Timeout {
  const limitMs = derivedTimes(t).maxTransmitWaitMs;
  const timer = setInterval(() => sweepUnanswered(exchanges, limitMs, unanswered), 1000);
  timer.unref();
  return timer;
}

/** A Block2 block of a response arrived (RFC 7959 §2.4): its bytes, and Size2 when the first carries it (§4). */
export function countBlock2(x: Exchange, packet: ParsedPacket): void {
  x.block2Bytes = (x.block2Bytes ?? 0) + packet.payload.length;
  const size2 = option(packet, 'Size2');
  if (size2 !== undefined && x.size2 === undefined) x.size2 = decodeUint(size2);
}

/**
 * The codes of a request's final response: its code; how it came (RFC 7252 §5.2: piggybacked in
 * the ACK, or a CON or NON of its own); a GET's Content-Format (§5.10.3); and after Block2, whether
 * Size2 gave the size of what was transferred (RFC 7959 §4).
 */
export function finalResponseCodes(packet: ParsedPacket, x: Exchange): CodeKey[] {
  const C = COAP_CODES.keys;
  const codes = [
    C.response.of(packet.code),
    packet.ack ? C.coap.response_piggybacked : packet.confirmable ? C.coap.response_con : C.coap.response_non,
  ];
  if (x.get && packet.code.startsWith('2.')) {
    const cf = option(packet, 'Content-Format');
    codes.push(C.format.of(cf === undefined ? 'none' : decodeUint(cf)));
  }
  if (x.block2Bytes !== undefined && packet.code.startsWith('2.'))
    codes.push(
      x.size2 === undefined
        ? C.block2.size2_absent
        : x.size2 === x.block2Bytes
          ? C.block2.size2_matched
          : C.block2.size2_mismatch,
    );
  return codes;
}

function sweepUnanswered(exchanges: Map<string, Exchange>, limitMs: number, unanswered: () => void): void {
  const now = Date.now();
  for (const [key, x] of exchanges) {
    if (x.confirmable || now - x.sentAtMs < limitMs) continue;
    exchanges.delete(key);
    if (x.settle) x.settle(undefined);
    else unanswered();
  }
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
