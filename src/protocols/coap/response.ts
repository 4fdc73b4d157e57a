// A CoAP server's responses and notifications as bytes: the options a response carries
// (Observe, Content-Format, Max-Age, ETag, Block1/Block2, Size2) and how it travels, piggybacked
// in the ACK of a CON (RFC 7252 §5.2.1) or as a NON with its own Message ID (§5.2.3).
import { encodeBlock, encodeUint, generate, MAX_DATAGRAM, type ParsedPacket } from './codec.ts';

export interface ResponseExtra {
  payload?: Buffer;
  contentFormat?: number;
  observe?: number;
  maxAgeSec?: number;
  etag?: Buffer;
  block1?: Buffer | undefined;
  block2?: Buffer;
  size2?: number | undefined;
}

export function responseOptions(extra: ResponseExtra): { name: string; value: Buffer }[] {
  const options: { name: string; value: Buffer }[] = [];
  if (extra.observe !== undefined) options.push({ name: 'Observe', value: encodeUint(extra.observe) });
  if (extra.contentFormat !== undefined && extra.payload && extra.payload.length > 0)
    options.push({ name: 'Content-Format', value: encodeUint(extra.contentFormat) });
  if (extra.maxAgeSec !== undefined && extra.maxAgeSec !== 60)
    options.push({ name: 'Max-Age', value: encodeUint(extra.maxAgeSec) });
  if (extra.etag) options.push({ name: 'ETag', value: extra.etag });
  if (extra.block2) options.push({ name: 'Block2', value: extra.block2 });
  if (extra.block1) options.push({ name: 'Block1', value: extra.block1 });
  if (extra.size2 !== undefined) options.push({ name: 'Size2', value: encodeUint(extra.size2) });
  return options;
}

/** §5.2.1 piggybacked in the ACK of a CON (same Message ID); §5.2.3 a NON answered by a NON. Both echo the token (§5.3.2). */
export function buildResponse(request: ParsedPacket, code: string, extra: ResponseExtra, messageId: number): Buffer {
  const options = responseOptions(extra);
  const payload = extra.payload ?? Buffer.alloc(0);
  const token = request.token;
  return generate(
    request.confirmable
      ? { code, ack: true, messageId: request.messageId, token, options, payload }
      : { code, confirmable: false, messageId, token, options, payload },
    MAX_DATAGRAM,
  );
}

/**
 * RFC 7959 §2.2, §2.4: block `num` of `payload` in blocks of `size`, with its Block2 option, the
 * representation's ETag (RFC 7252 §5.10.6: the client checks every block belongs to the same
 * representation) and, on the first block, Size2 (§4). Undefined when `num` is past the end.
 */
export function block2Of(
  payload: Buffer,
  num: number,
  size: number,
  etag: Buffer,
): Pick<ResponseExtra, 'payload' | 'block2' | 'etag' | 'size2'> | undefined {
  const start = num * size;
  if (start > payload.length || (start === payload.length && num > 0)) return undefined;
  return {
    payload: payload.subarray(start, start + size),
    block2: encodeBlock({ num, more: start + size < payload.length, size }),
    etag,
    size2: num === 0 ? payload.length : undefined,
  };
}
