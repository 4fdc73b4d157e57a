// AMQP 0-9-1 transactions (§1.9, class tx, id 90): amqplib has no tx API, but sends any method
// through the channel's RPC. Method ids are (class << 16) | method: select 10/11, commit 20/21,
// rollback 30/31.
import type { Channel } from 'amqplib';

const TX_SELECT = (90 << 16) | 10;
const TX_SELECT_OK = (90 << 16) | 11;
const TX_COMMIT = (90 << 16) | 20;
const TX_COMMIT_OK = (90 << 16) | 21;
const TX_ROLLBACK = (90 << 16) | 30;
const TX_ROLLBACK_OK = (90 << 16) | 31;

type Rpc = (method: number, fields: object, expect: number) => Promise<unknown>;

/** amqplib's channel RPC, which its typings leave out. */
function rpcOf(channel: Channel): Rpc {
  const rpc = (channel as unknown as { rpc: Rpc }).rpc;
  return rpc.bind(channel);
}

/** tx.select: every publish on the channel from now on waits for a tx.commit. */
export function txSelect(channel: Channel): Promise<unknown> {
  return rpcOf(channel)(TX_SELECT, {}, TX_SELECT_OK);
}

/** tx.commit: everything published since the last commit is routed at once; resolves at commit-ok. */
export function txCommit(channel: Channel): Promise<unknown> {
  return rpcOf(channel)(TX_COMMIT, {}, TX_COMMIT_OK);
}

/** tx.rollback (§1.9.2.5): everything published since the last commit is discarded; resolves at rollback-ok. */
export function txRollback(channel: Channel): Promise<unknown> {
  return rpcOf(channel)(TX_ROLLBACK, {}, TX_ROLLBACK_OK);
}
