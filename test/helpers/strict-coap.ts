// A small in-process strict CoAP peer (coap-packet over dgram), for the one case no installed
// peer produces: a Block1 upload whose first block is answered 2.31 Continue with a smaller SZX
// than the client used (late negotiation, RFC 7959 §2.5, Figure 9). libcoap's server keeps the
// client's block size. The peer checks every block's byte offset against what it holds (strict:
// a gap or overlap is 4.08 Request Entity Incomplete, §2.9.2), reassembles the body, and logs
// every block it saw.
import { createSocket } from 'node:dgram';
import { generate, type ParsedPacket, parse } from 'coap-packet';

export interface Block1Seen {
  messageId: number;
  num: number;
  more: boolean;
  size: number;
  /** num × size: where the block's bytes go in the body. */
  offset: number;
  length: number;
  /** The code the peer answered with. */
  answer: string;
}

export interface StrictBlock1Peer {
  port: number;
  url(path: string): string;
  /** Every Block1 request, in arrival order (retransmissions included). */
  blocks: Block1Seen[];
  /** Each reassembled body, in completion order. */
  bodies: Buffer[];
  close(): Promise<void>;
}

/** §2.2: NUM | M | SZX, big-endian in 0–3 bytes. */
function decodeBlock(value: Buffer): { num: number; more: boolean; size: number } {
  let v = 0;
  for (const b of value) v = (v << 8) | b;
  return { num: v >>> 4, more: (v & 8) !== 0, size: 2 ** ((v & 7) + 4) };
}

function encodeBlock(num: number, more: boolean, size: number): Buffer {
  const v = (num << 4) | (more ? 8 : 0) | (Math.log2(size) - 4);
  if (v === 0) return Buffer.alloc(0);
  const n = v < 0x100 ? 1 : v < 0x10000 ? 2 : 3;
  const b = Buffer.alloc(n);
  b.writeUIntBE(v, 0, n);
  return b;
}

/**
 * Answers the first Block1 block of every upload with 2.31 Continue and Block1 0/1/`lowerTo`
 * (keeping the whole first block, as Figure 9's server does), later blocks with 2.31 echoing
 * their Block1, and the last with 2.04 Changed. Only CON requests are answered (piggybacked).
 */
export async function startStrictBlock1Peer(opts: { lowerTo: number }): Promise<StrictBlock1Peer> {
  const socket = createSocket('udp4');
  const blocks: Block1Seen[] = [];
  const bodies: Buffer[] = [];
  const transfers = new Map<string, Buffer>();
  const replies = new Map<string, Buffer>();
  socket.on('message', (msg, from) => {
    let p: ParsedPacket;
    try {
      p = parse(msg);
    } catch {
      return;
    }
    if (!p.confirmable) return;
    const client = `${from.address}:${from.port}`;
    const cached = replies.get(`${client}|${p.messageId}`);
    if (cached) {
      // RFC 7252 §4.5: a duplicate CON gets the same answer again.
      socket.send(cached, from.port, from.address);
      return;
    }
    const option = p.options.find((o) => o.name === 'Block1');
    const answer = (code: string, block1?: Buffer): void => {
      const options = block1 ? [{ name: 'Block1' as const, value: block1 }] : [];
      const buf = generate({ code, ack: true, messageId: p.messageId, token: p.token, options });
      replies.set(`${client}|${p.messageId}`, buf);
      socket.send(buf, from.port, from.address);
    };
    if (!option) {
      answer('2.04');
      return;
    }
    const b = decodeBlock(option.value);
    const offset = b.num * b.size;
    const held = transfers.get(client) ?? Buffer.alloc(0);
    const seen: Block1Seen = { messageId: p.messageId, ...b, offset, length: p.payload.length, answer: '' };
    blocks.push(seen);
    if (offset !== (b.num === 0 ? 0 : held.length)) {
      transfers.delete(client);
      seen.answer = '4.08';
      answer('4.08');
      return;
    }
    const body = Buffer.concat([b.num === 0 ? Buffer.alloc(0) : held, p.payload]);
    if (b.more) {
      transfers.set(client, body);
      seen.answer = '2.31';
      // §2.5: the first 2.31 carries the server's smaller size; later ones echo the client's block.
      answer('2.31', b.num === 0 && b.size > opts.lowerTo ? encodeBlock(0, true, opts.lowerTo) : option.value);
      return;
    }
    transfers.delete(client);
    bodies.push(body);
    seen.answer = '2.04';
    answer('2.04', option.value);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    port,
    url: (path) => `coap://127.0.0.1:${port}${path}`,
    blocks,
    bodies,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
