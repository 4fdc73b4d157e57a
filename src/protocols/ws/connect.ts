// Opening a WebSocket (TCP or TLS, then the HTTP Upgrade of RFC 6455 §4.1) with the `ws`
// package, handing out its socket for byte counting, and turning failures into
// FleetbenchErrors: an errno, the HTTP status of a refused upgrade, or a timeout.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { ErrorCodes, FleetbenchError } from '../../base/errors.ts';
import { maskUrl } from '../../base/url.ts';
// The errno → words mapping is protocol-neutral and shared by the drivers (../connect-errors.ts).
import { connectFailure } from '../connect-errors.ts';
import { tlsConnectOptions } from '../tls.ts';
import { type TlsMeter, wsCreateConnection } from '../tls-meter.ts';
import type { ResolvedWsOptions } from './options.ts';

export interface OpenOptions {
  url: string;
  options: ResolvedWsOptions;
  timeoutMs: number;
  /** The connection's source address (the scenario's sourceAddresses). */
  localAddress?: string | undefined;
  /** The connection's socket, as soon as it exists (the Upgrade request is counted on it too). */
  onSocket(socket: Socket): void;
  /**
   * Called on 101 Switching Protocols, before any frame is read: frames that arrived with the
   * response are emitted in the same tick, so the caller's listeners must already be there.
   */
  onOpen(ws: WebSocket): void;
  /** wss: the device's TLS meter (handshake counted, previous session offered). */
  meter?: TlsMeter | undefined;
}

/** Hints for the statuses a refused upgrade usually comes with. */
const STATUS_HINTS: Record<number, string> = {
  401: 'check the credentials in headers, e.g. Authorization',
  403: 'check the credentials in headers, e.g. Authorization',
  404: 'check the path of the URL',
  426: 'the server wants another protocol version or TLS',
};

/** Resolves with the open WebSocket once the server answered 101 Switching Protocols. */
export function openWebSocket({
  url,
  options,
  timeoutMs,
  localAddress,
  onSocket,
  onOpen,
  meter,
}: OpenOptions): Promise<WebSocket> {
  const where = maskUrl(url);
  return new Promise<WebSocket>((resolve, reject) => {
    let settled = false;
    const ws = new WebSocket(url, {
      perMessageDeflate: options.perMessageDeflate,
      ...(localAddress ? { localAddress } : {}),
      // Only used for wss:// (TLS); ignored for ws://.
      ...tlsConnectOptions(options.tls),
      ...(meter && /^wss:/i.test(url) ? { createConnection: wsCreateConnection(meter) } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      // Redirects would count another server's bytes as this one's.
      followRedirects: false,
      finishRequest(req) {
        req.once('socket', (socket) => onSocket(socket));
        req.end();
      },
    });
    const fail = (err: FleetbenchError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    const timer = setTimeout(
      () =>
        fail(
          new FleetbenchError(
            ErrorCodes.CONNECT_TIMEOUT,
            `${where}: no WebSocket handshake within ${timeoutMs}ms (connect timeout)`,
            { reasonCode: 'TIMEOUT' },
          ),
        ),
      timeoutMs,
    );
    // RFC 6455 §4.1: any status but 101 means the handshake has not completed.
    ws.once('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      const words = res.statusMessage || STATUS_CODES[status] || 'unknown status';
      const hint = STATUS_HINTS[status];
      res.resume();
      fail(
        new FleetbenchError(
          ErrorCodes.CONNECT_REJECTED,
          `${where}: the server refused the WebSocket upgrade: HTTP ${status} ${words}${hint ? ` (${hint})` : ''}`,
          { reasonCode: status },
        ),
      );
    });
    const onError = (err: Error): void => fail(connectFailure(where, err));
    const onClose = (): void =>
      fail(
        new FleetbenchError(
          ErrorCodes.CONNECT_REFUSED,
          `${where}: cannot connect: connection closed during the WebSocket handshake`,
          { reasonCode: 'ECONNRESET' },
        ),
      );
    ws.on('error', onError);
    ws.once('close', onClose);
    ws.once('open', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.off('error', onError);
      ws.off('close', onClose);
      onOpen(ws);
      resolve(ws);
    });
  });
}
