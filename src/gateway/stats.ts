// Counters for each bridge path and the stats snapshot served at GET /stats and printed on
// stop. Every message a path is offered ends in exactly one counter, so at rest
//   received = forwarded + failed + overflow + refused + abandoned
// (while running, the difference is what is queued or in flight).

export interface PathStats {
  /** Messages offered to this path. */
  received: number;
  /** Confirmed by the next hop: PUBACK/PUBCOMP (or written, QoS 0), basic.ack, a 2xx answer, queued to a dashboard. */
  forwarded: number;
  /** Refused by the next hop, or retries exhausted. */
  failed: number;
  /** Refused because this path's queue was full. */
  overflow: number;
  /** Not taken because another queue of the same CoAP request was full (the request got 5.03). */
  refused: number;
  /** Still queued or in flight when a stop's drain time ran out. */
  abandoned: number;
  /** Now. */
  queued: number;
  inFlight: number;
  /** Most queued at once. */
  queueHighWater: number;
  queueCapacity: number;
  /** Path-specific counts (e.g. AMQP returns, webhook retries, error reason codes). */
  details: Record<string, number>;
}

export class PathCounters {
  received = 0;
  forwarded = 0;
  failed = 0;
  overflow = 0;
  refused = 0;
  abandoned = 0;
  inFlight = 0;
  readonly details: Record<string, number> = {};

  constructor(private readonly queue: { length: number; highWater: number; capacity: number }) {}

  count(detail: string, n = 1): void {
    this.details[detail] = (this.details[detail] ?? 0) + n;
  }

  /** Nothing queued or in flight. */
  get idle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0;
  }

  snapshot(): PathStats {
    const { received, forwarded, failed, overflow, refused, abandoned, inFlight } = this;
    return {
      received,
      forwarded,
      failed,
      overflow,
      refused,
      abandoned,
      queued: this.queue.length,
      inFlight,
      queueHighWater: this.queue.highWater,
      queueCapacity: this.queue.capacity,
      details: { ...this.details },
    };
  }
}

export interface CoapIngestStats {
  /** POST/PUT requests with a complete body (after Block1 reassembly), duplicates excluded: answered 2.04 (accepted), 5.03 (unavailable) or 4.00 (a path that is no topic name, in rejected). */
  requests: number;
  /** Answered 2.04 Changed: taken into every outbound queue. */
  accepted: number;
  /** Answered 5.03 Service Unavailable (a queue was full). */
  unavailable: number;
  /** Answered 4.xx or 5.05 (a path that is no topic name, GET/DELETE, Block1 out of sequence, an unsupported critical option). */
  rejected: number;
  /** Responses by code ('response.2.04'), duplicates answered from the §4.5 cache, malformed datagrams, Block1 parts. */
  codes: Record<string, number>;
}

export interface DashboardStats {
  /** Messages from the gateway's dashboard subscriptions. */
  received: number;
  /** Copies queued to dashboards (one message, many dashboards: many copies). */
  delivered: number;
  /** Copies not sent because that dashboard's send buffer was full, and those the dashboard could not even be told of. */
  overflow: number;
  overflowUnreported: number;
  clients: number;
  connections: number;
  subscriptions: number;
  /** Dashboards' publish frames forwarded to MQTT (acknowledged) and refused (window full, broker error). */
  upstream: { forwarded: number; failed: number };
  /** Error frames sent to dashboards, by code. */
  errors: Record<string, number>;
}

export interface GatewayStats {
  startedAt: string;
  uptimeMs: number;
  coap?: CoapIngestStats;
  paths: Record<string, PathStats>;
  dashboards?: DashboardStats;
}
