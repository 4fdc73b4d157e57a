// How one device comes back after losing its connection: attempts spaced by exponential backoff
// with jitter (the n-th waits up to min(max, initial × 2ⁿ), less a random share; "full jitter"
// after AWS's architecture blog, as device SDKs do), until it is back or the run ends. It keeps
// the outage's clock: reconnect latency (loss → connected again) and time spent down.

import type { ReconnectPolicy } from '../dsl/faults.ts';
import type { Random } from '../dsl/schedule.ts';
import { nowUs } from '../metrics/clock.ts';
import type { GroupCounters } from '../metrics/counters.ts';

export interface RecoveryHooks {
  /** One attempt: reconnect (and resubscribe); true when the device is back. */
  attempt(): Promise<boolean>;
  /** The device is back after `downUs` of outage. */
  back(downUs: number): void;
}

export class Recovery {
  private down = false;
  private downSinceUs = 0;
  private attempts = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly policy: ReconnectPolicy | false,
    private readonly random: Random,
    private readonly counters: GroupCounters,
    private readonly hooks: RecoveryHooks,
  ) {}

  /** Whether the device lost its connection and is not back yet. */
  get isDown(): boolean {
    return this.down;
  }

  /**
   * The connection was lost. The first attempt waits its backoff, or none when `immediate`
   * (a reconnect storm: everyone at once). With `reconnect: false` the device stays down.
   */
  lost(immediate = false): void {
    if (this.down || this.stopped) return;
    this.down = true;
    this.downSinceUs = nowUs();
    this.attempts = 0;
    this.schedule(immediate ? 0 : this.wait());
  }

  /** The wait before the next attempt, in ms. */
  private wait(): number {
    if (!this.policy) return 0;
    const { initialMs, maxMs, jitter } = this.policy;
    const cap = Math.min(maxMs, initialMs * 2 ** Math.min(this.attempts, 30));
    return cap * (1 - jitter * this.random());
  }

  private schedule(ms: number): void {
    if (!this.policy || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.tryOnce().finally(() => (this.running = undefined));
    }, ms);
  }

  private async tryOnce(): Promise<void> {
    if (this.stopped) return;
    this.counters.reconnectAttempts++;
    this.attempts++;
    const ok = await this.hooks.attempt();
    if (ok) {
      this.down = false;
      const downUs = nowUs() - this.downSinceUs;
      this.counters.downMs += downUs / 1000;
      this.hooks.back(downUs);
    } else this.schedule(this.wait());
  }

  /**
   * The run is ending: no more attempts (one in progress is awaited). A device still down is
   * unrecovered, and its time down runs to now.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.down) {
      this.counters.unrecovered++;
      this.counters.downMs += (nowUs() - this.downSinceUs) / 1000;
    }
  }
}
