// CoAP wire helpers over `coap-packet` (the codec of the `coap` package): option values,
// Block1/Block2 (RFC 7959 §2.2), Observe (RFC 7641 §2), paths and link format (RFC 6690).
import { generate, type Packet, type ParsedPacket, parse } from 'coap-packet';

export { generate, type Packet, type ParsedPacket, parse };

/** RFC 7252 §12.3 Content-Formats (and RFC 7049 for CBOR). */
export const CONTENT_FORMATS = {
  'text/plain': 0,
  'application/link-format': 40,
  'application/xml': 41,
  'application/octet-stream': 42,
  'application/exi': 47,
  'application/json': 50,
  'application/cbor': 60,
} as const;
export type ContentFormatName = keyof typeof CONTENT_FORMATS;

/** The largest datagram a generated message may be: an IPv4 UDP payload. */
export const MAX_DATAGRAM = 65_507;

/** §3.2: uint option values are big-endian in the fewest bytes; 0 is the empty value. */
export function encodeUint(n: number): Buffer {
  if (n === 0) return Buffer.alloc(0);
  const bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
  const b = Buffer.allocUnsafe(bytes);
  b.writeUIntBE(n, 0, bytes);
  return b;
}

export function decodeUint(b: Buffer | undefined): number {
  if (!b || b.length === 0) return 0;
  return b.readUIntBE(0, Math.min(b.length, 6));
}

export interface BlockValue {
  num: number;
  more: boolean;
  /** Block size in bytes: 2^(SZX+4). */
  size: number;
}

/** RFC 7959 §2.2: NUM (4–20 bits) | M (1 bit) | SZX (3 bits). */
export function encodeBlock(block: BlockValue): Buffer {
  const szx = Math.log2(block.size) - 4;
  return encodeUint((block.num << 4) | (block.more ? 8 : 0) | szx);
}

/** Undefined for SZX 7 (reserved, §2.2) or values longer than 3 bytes. */
export function decodeBlock(b: Buffer | undefined): BlockValue | undefined {
  if (!b || b.length > 3) return undefined;
  const v = decodeUint(b);
  const szx = v & 7;
  if (szx === 7) return undefined;
  return { num: v >>> 4, more: (v & 8) !== 0, size: 2 ** (szx + 4) };
}

export function option(packet: ParsedPacket, name: string): Buffer | undefined {
  for (const o of packet.options) if (o.name === name) return o.value;
  return undefined;
}

/** '/telemetry/7?x=1' → Uri-Path and Uri-Query options (§6.4 decomposition, without host and port). */
export function pathOptions(path: string): Packet['options'] & object {
  const [p = '', query] = path.split('?', 2);
  const options: { name: string; value: Buffer }[] = [];
  for (const segment of p.split('/'))
    if (segment.length > 0) options.push({ name: 'Uri-Path', value: Buffer.from(decodeURIComponent(segment)) });
  if (query)
    for (const q of query.split('&'))
      if (q.length > 0) options.push({ name: 'Uri-Query', value: Buffer.from(decodeURIComponent(q)) });
  return options;
}

/** The request's path as '/a/b' (§6.5 composition of Uri-Path options). */
export function pathOf(packet: ParsedPacket): string {
  let path = '';
  for (const o of packet.options) if (o.name === 'Uri-Path') path += `/${o.value.toString()}`;
  return path === '' ? '/' : path;
}

/** §12.1: '0.01'…'0.04' are the request methods GET, POST, PUT, DELETE. */
export const METHOD_CODES = { GET: '0.01', POST: '0.02', PUT: '0.03', DELETE: '0.04' } as const;

/** RFC 7641 §3.4: is notification V2 (received at T2) fresher than V1 (at T1)? 24-bit serial arithmetic, or 128 s apart. */
export function isFresher(v1: number, t1Ms: number, v2: number, t2Ms: number): boolean {
  return (v1 < v2 && v2 - v1 < 2 ** 23) || (v1 > v2 && v1 - v2 > 2 ** 23) || t2Ms > t1Ms + 128_000;
}
