// The boundary between the run and the proxy's thread, in one place.
import type { Lateness } from './lateness.ts';
import type { DatagramStats, ImpairSpec, StreamStats, Transport } from './spec.ts';

export interface ProxyInit {
  spec: ImpairSpec;
  transport: Transport;
  target: { host: string; port: number };
  listenHost: string;
  seed: number;
}

export type ProxyRequest = { type: 'start'; atUs: number } | { type: 'stop' };

export type ProxyReply =
  | { type: 'listening'; port: number }
  | { type: 'failed'; message: string }
  | { type: 'stopped'; blackholedMs: number; lateness: Lateness; stream?: StreamStats; datagram?: DatagramStats };
