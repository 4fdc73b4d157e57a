// A client device's exchanges: one request (or block-wise transfer) and what it waits for, and
// how its request is rebuilt per block (RFC 7252 §5, RFC 7959 §2.2 – §2.6).
import type { OutgoingMessage } from '../driver.ts';
import { decodeBlock, encodeUint, generate, MAX_DATAGRAM, type ParsedPacket, type pathOptions } from './codec.ts';
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
}

/** The request, rebuilt per block with a new Message ID and its Block1/Block2 options. */
export function requestBuilder(r: RequestShape): Exchange['build'] {
  return (messageId, block1, block2) => {
    const options = [...r.uri];
    // RFC 7959 §2.6: only the request for the first block carries Observe.
    if (r.observe !== undefined && (!block2 || (decodeBlock(block2)?.num ?? 0) === 0))
      options.push({ name: 'Observe', value: encodeUint(r.observe) });
    if (r.body !== undefined) options.push({ name: 'Content-Format', value: encodeUint(r.contentFormat) });
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
