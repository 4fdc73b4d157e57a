// Transactional publishing (AMQP 0-9-1 §1.9, class tx): messages are published into the open
// transaction and committed every `batch` messages or after `maxDelay`; each is acknowledged at
// its commit-ok. With `rollbackEvery`, every n-th transaction ends in tx.rollback instead: the
// broker discards its messages, which are never acknowledged. A commit (or rollback) in progress
// holds new messages back (see send()).
import type { Channel } from 'amqplib';
import { nowUs } from '../../metrics/clock.ts';
import type { DeviceEvents } from '../driver.ts';
import { AMQP_CODES } from './codes.ts';
import type { Unconfirmed } from './confirms.ts';
import { channelError } from './errors.ts';
import { txCommit, txRollback } from './tx.ts';

const C = AMQP_CODES.keys;

export interface TxHost {
  /** The open channel, or undefined while the device has none. */
  channel(): Channel | undefined;
  /** basic.publish of one message on `channel` (the device counts it and watches backpressure). */
  publish(channel: Channel, entry: Unconfirmed): void;
  closing(): boolean;
  /** One commit round trip (tx.commit out, commit-ok in), for the power model. */
  committed(): void;
  readonly events: DeviceEvents;
  readonly who: string;
}

export class TxBatcher {
  /** Messages published or held and not yet committed. */
  pending = 0;
  private batch: Unconfirmed[] = [];
  /** Messages sent while a tx.commit was in progress, published after commit-ok. */
  private held: Unconfirmed[] = [];
  private committing = false;
  /** Transactions ended so far (committed or rolled back), to pick every n-th for a rollback. */
  private ended = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** Bumped when the channel is gone: answers to older commits are ignored. */
  private generation = 0;

  constructor(
    private readonly tx: { batch: number; maxDelayMs: number; rollbackEvery?: number | undefined },
    private readonly host: TxHost,
  ) {}

  /** Whether a commit is running or messages wait for one. */
  get busy(): boolean {
    return this.committing || this.held.length > 0;
  }

  get uncommitted(): boolean {
    return this.batch.length > 0;
  }

  whenCommitted(): Promise<void> {
    return this.chain;
  }

  send(channel: Channel, entry: Unconfirmed): void {
    this.pending++;
    // RabbitMQ refuses any method on a channel while its tx.commit is in progress (504
    // CHANNEL_ERROR "unexpected command while processing 'tx.commit'"): hold the message
    // until commit-ok; it is published first thing in the next transaction.
    if (this.committing) {
      this.held.push(entry);
      return;
    }
    this.host.publish(channel, entry);
    this.add(entry);
  }

  /**
   * tx.commit (90/20): everything published since the last commit is routed at once; or, for
   * every `rollbackEvery`-th transaction, tx.rollback (90/30): all of it is discarded.
   */
  commit(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // One commit at a time: the running one's completion releases what waits and commits again.
    if (this.committing) return;
    const entries = this.batch;
    this.batch = [];
    const channel = this.host.channel();
    if (!channel || entries.length === 0) return;
    const startedUs = nowUs();
    const generation = this.generation;
    const { events } = this.host;
    this.committing = true;
    const every = this.tx.rollbackEvery;
    const rollback = every !== undefined && ++this.ended % every === 0;
    this.chain = (rollback ? txRollback(channel) : txCommit(channel)).then(
      () => {
        if (generation !== this.generation) return;
        const doneUs = nowUs();
        this.committing = false;
        this.pending -= entries.length;
        this.host.committed();
        if (rollback) {
          events.onCode(C.tx.rollback);
          events.onCode(C.tx.rolled_back, entries.length);
        } else {
          events.onLatency('commit', doneUs - startedUs);
          events.onCode(C.tx.commit);
          for (const { message } of entries) if (!message.isReply) events.onAck(message, doneUs, undefined);
        }
        this.release();
      },
      (err: unknown) => {
        // The channel or connection went away: drop() already accounted for these.
        if (generation !== this.generation) return;
        this.committing = false;
        this.pending -= entries.length + this.held.length;
        events.onCode(C.tx.commit_failed);
        const method = rollback ? 'tx.rollback' : 'tx.commit';
        const { key, message } = channelError(err, `${this.host.who}: ${method} of ${entries.length} messages`);
        events.onError(key, message);
        if (this.held.length > 0) events.onCode(C.tx.held_lost, this.held.length);
        this.held = [];
      },
    );
  }

  /**
   * The channel is gone (connection lost, killed, or closed by the broker): the broker discards
   * an open transaction with its channel (§1.9), and a commit in flight may or may not have
   * happened. Returns how many messages were neither committed nor refused.
   */
  drop(): number {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.generation++;
    const n = this.pending;
    this.pending = 0;
    this.batch = [];
    this.held = [];
    this.committing = false;
    return n;
  }

  private add(entry: Unconfirmed): void {
    this.batch.push(entry);
    if (this.batch.length >= this.tx.batch) this.commit();
    else this.timer ??= setTimeout(() => this.commit(), this.tx.maxDelayMs);
  }

  /** Publishes what was held during a commit, into the next transaction (stopping if that one commits). */
  private release(): void {
    const channel = this.host.channel();
    while (channel && !this.committing && this.held.length > 0) {
      const entry = this.held.shift() as Unconfirmed;
      this.host.publish(channel, entry);
      this.add(entry);
    }
    // Closing: what is still held after the last commit goes out in one more.
    if (this.host.closing() && !this.committing && this.batch.length > 0) this.commit();
  }
}
