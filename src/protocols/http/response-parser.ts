// An incremental HTTP/1.1 response parser for one connection: status line, header fields and
// the body framed as RFC 9112 §6.3 says. Bodies are counted and skipped, never kept: a device
// only needs the status, where the response ends, and whether the connection persists.

export interface ParsedResponse {
  status: number;
  /** Bytes of this response on the wire: status line, header section, body with its framing. */
  bytes: number;
  /** §9.3/§9.6: false when the server closes the connection after this response. */
  persistent: boolean;
}

/** Largest status line + header section accepted; a longer one is not an HTTP server answering. */
const MAX_HEAD = 64 * 1024;

type State =
  | { kind: 'head' }
  | { kind: 'length'; left: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; left: number }
  | { kind: 'chunk-crlf' }
  | { kind: 'trailers' }
  | { kind: 'until-close' };

export class ResponseParser {
  private buffer: Buffer = Buffer.alloc(0);
  private stopped = false;
  private state: State = { kind: 'head' };
  private current: { status: number; persistent: boolean; bytes: number } | undefined;

  constructor(
    private readonly onResponse: (r: ParsedResponse) => void,
    /** §9.3.2: a response that arrives while no request waits for one. */
    private readonly expecting: () => boolean,
  ) {}

  /** Whether a response is being read (the peer's close then cuts it short, unless it is close-delimited). */
  /** Feeds bytes; throws on a malformed response (the caller closes the connection). */
  push(chunk: Buffer): void {
    if (this.stopped) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (!this.stopped && this.buffer.length > 0 && this.step()) {
      // each step consumes what it can
    }
  }

  /** The connection is done (closed after a response, or broken): nothing more is parsed. */
  stop(): void {
    this.stopped = true;
    this.buffer = Buffer.alloc(0);
  }

  /** The peer closed: a close-delimited body (§6.3 rule 8) ends here. */
  end(): void {
    if (this.stopped) return;
    if (this.state.kind === 'until-close' && this.current) this.finish();
  }

  private step(): boolean {
    const s = this.state;
    const cur = this.current;
    switch (s.kind) {
      case 'head':
        return this.head();
      case 'length': {
        const n = Math.min(s.left, this.buffer.length);
        this.consume(n);
        s.left -= n;
        if (s.left === 0) this.finish();
        return true;
      }
      case 'chunk-size': {
        const line = this.line();
        if (line === undefined) return false;
        // §7.1: chunk-size in hex, then optional chunk extensions after ';'.
        const size = Number.parseInt(line.split(';')[0]?.trim() ?? '', 16);
        if (!Number.isFinite(size) || size < 0)
          throw new Error(`malformed chunk size ${JSON.stringify(line.slice(0, 40))}`);
        this.state = size === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', left: size };
        return true;
      }
      case 'chunk-data': {
        const n = Math.min(s.left, this.buffer.length);
        this.consume(n);
        s.left -= n;
        if (s.left === 0) this.state = { kind: 'chunk-crlf' };
        return true;
      }
      case 'chunk-crlf': {
        const line = this.line();
        if (line === undefined) return false;
        if (line !== '') throw new Error('chunk data not followed by CRLF');
        this.state = { kind: 'chunk-size' };
        return true;
      }
      case 'trailers': {
        // §7.1.2: trailer fields end with an empty line.
        const line = this.line();
        if (line === undefined) return false;
        if (line === '') this.finish();
        return true;
      }
      case 'until-close':
        if (cur) this.consume(this.buffer.length);
        return false;
    }
  }

  private head(): boolean {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.buffer.length > MAX_HEAD) throw new Error(`response header section longer than ${MAX_HEAD} bytes`);
      return false;
    }
    if (!this.expecting()) throw new Error('a response arrived with no request outstanding');
    const lines = this.buffer.toString('latin1', 0, end).split('\r\n');
    const status = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
    if (!status) throw new Error(`not an HTTP/1.x status line: ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`);
    const minor = status[1];
    const code = Number(status[2]);
    let length: number | undefined;
    let chunked = false;
    let connection = '';
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`malformed header line ${JSON.stringify(line.slice(0, 60))}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        // §6.3 rule 5: differing or invalid Content-Length values are an unrecoverable error.
        if (!/^\d+$/.test(value) || (length !== undefined && length !== Number(value)))
          throw new Error(`invalid Content-Length ${JSON.stringify(value)}`);
        length = Number(value);
      } else if (name === 'transfer-encoding') chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
      else if (name === 'connection') connection += `,${value.toLowerCase()}`;
    }
    // §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
    const tokens = connection.split(',').map((t) => t.trim());
    const persistent = minor === '1' ? !tokens.includes('close') : tokens.includes('keep-alive');
    // An interim response's bytes stay with the final response they precede.
    this.current = { status: code, persistent, bytes: this.current?.bytes ?? 0 };
    this.consume(end + 4);
    // §15.2: interim responses (100 Continue, 103 Early Hints) precede the final one; no body.
    if (code >= 100 && code < 200) return true;
    // §6.3 rules 1–8, for responses to POST/PUT.
    if (code === 204 || code === 304) this.finish();
    else if (chunked) this.state = { kind: 'chunk-size' };
    else if (length !== undefined) {
      if (length === 0) this.finish();
      else this.state = { kind: 'length', left: length };
    } else {
      this.current.persistent = false;
      this.state = { kind: 'until-close' };
    }
    return true;
  }

  private line(): string | undefined {
    const end = this.buffer.indexOf('\r\n');
    if (end < 0) {
      if (this.buffer.length > MAX_HEAD) throw new Error('chunk line too long');
      return undefined;
    }
    const text = this.buffer.toString('latin1', 0, end);
    this.consume(end + 2);
    return text;
  }

  private consume(n: number): void {
    if (this.current) this.current.bytes += n;
    this.buffer = this.buffer.subarray(n);
  }

  private finish(): void {
    const cur = this.current as NonNullable<typeof this.current>;
    this.current = undefined;
    this.state = { kind: 'head' };
    this.onResponse(cur);
  }
}
