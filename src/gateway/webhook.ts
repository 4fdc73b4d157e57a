// MQTT alerts → HTTP webhook: each message is POSTed as its exact bytes
// (Content-Type: application/octet-stream, the topic in a header) over keep-alive connections,
// at most `concurrency` at once. A failed delivery (non-2xx, network error, timeout) is retried
// with a doubling delay up to `retries` times, then counted as failed.
import { Agent, request } from 'node:http';
import type { ResolvedGatewayConfig } from './config.ts';
import type { OutMessage } from './mqtt-publisher.ts';
import { BoundedQueue } from './queue.ts';
import { PathCounters } from './stats.ts';

type WebhookConfig = NonNullable<ResolvedGatewayConfig['webhook']>;

/** A topic as a header value: HTTP field values are visible ASCII (RFC 9110 §5.5); anything else is percent-encoded, '/' kept. */
export function topicHeaderValue(topic: string): string {
  return /^[\x21-\x7e]*$/.test(topic) && !topic.includes('%')
    ? topic
    : encodeURIComponent(topic).replaceAll('%2F', '/');
}

export class WebhookSender {
  readonly queue: BoundedQueue<OutMessage>;
  readonly counters: PathCounters;
  private readonly agent: Agent;
  private readonly url: URL;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly o: WebhookConfig) {
    this.queue = new BoundedQueue(o.queue);
    this.counters = new PathCounters(this.queue);
    this.url = new URL(o.url);
    this.agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  }

  /** Offers a message; false (counted as overflow) when the queue is full. */
  offer(m: OutMessage): boolean {
    const c = this.counters;
    c.received++;
    if (!this.queue.offer(m)) {
      c.overflow++;
      return false;
    }
    this.pump();
    return true;
  }

  /** Counts everything still queued or in flight as abandoned and ignores later outcomes. */
  abandon(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.counters.abandoned += this.queue.clear() + this.counters.inFlight;
    this.counters.inFlight = 0;
  }

  close(): void {
    this.abandon();
    this.agent.destroy();
  }

  private pump(): void {
    const c = this.counters;
    while (!this.stopped && c.inFlight < this.o.concurrency) {
      const m = this.queue.poll();
      if (!m) return;
      c.inFlight++;
      this.attempt(m, 0);
    }
  }

  /** One delivery attempt; a message keeps its concurrency slot through its retries. */
  private attempt(m: OutMessage, retry: number): void {
    this.post(m).then((outcome) => {
      if (this.stopped) return;
      const c = this.counters;
      if (outcome === 'ok') {
        c.inFlight--;
        c.forwarded++;
        return this.pump();
      }
      c.count(outcome);
      if (retry < this.o.retries) {
        c.count('retries');
        const t = setTimeout(
          () => {
            this.timers.delete(t);
            if (!this.stopped) this.attempt(m, retry + 1);
          },
          this.o.retryDelayMs * 2 ** retry,
        );
        this.timers.add(t);
        return;
      }
      c.inFlight--;
      c.failed++;
      this.pump();
    });
  }

  /** 'ok' for a 2xx; otherwise what went wrong ('status_503', 'timeout', 'ECONNREFUSED'). */
  private post(m: OutMessage): Promise<string> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (outcome: string): void => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': m.payload.length,
            [this.o.topicHeader]: topicHeaderValue(m.topic),
          },
          timeout: this.o.timeoutMs,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          // Read the body to its end so the keep-alive connection can carry the next request.
          res.resume();
          res.on('end', () => done(status >= 200 && status < 300 ? 'ok' : `status_${status}`));
          res.on('error', () => done('response_error'));
        },
      );
      req.on('timeout', () => {
        done('timeout');
        req.destroy();
      });
      req.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'network_error'));
      req.end(m.payload);
    });
  }
}
