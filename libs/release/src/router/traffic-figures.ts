/**
 * What the router measured, per API version: parsed from nginx's JSON access log and kept as
 * per-second buckets (count, 5xx, upstream timeouts, a latency histogram), so a step window of
 * any length is summarised from bounded memory. Pure: the controller feeds it lines.
 */

export interface AccessRecord {
  /** ms since the epoch, when nginx finished the request */
  at: number;
  version: string;
  status: number;
  requestMs: number;
  /** Some attempt on an upstream timed out (nginx records 504 for it in $upstream_status). */
  upstreamTimeout: boolean;
}

export interface VersionFigures {
  requests: number;
  errors5xx: number;
  /** errors5xx / requests (0 without requests) */
  errorRate: number;
  timeouts: number;
  timeoutRate: number;
  /** 95th percentile of nginx's request time, ms (upper edge of its histogram bucket); null without requests */
  p95Ms: number | null;
}

/** Probes and scrapes are not customer traffic. */
const NOT_TRAFFIC = /^\/(health|metrics|router)(\/|$)/;

export function parseAccessLine(line: string): AccessRecord | null {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  const { t, version, status, request_time: requestTime, upstream_status: upstreamStatus, uri } = entry;
  if (typeof t !== 'number' || typeof version !== 'string' || typeof status !== 'number' || typeof requestTime !== 'number') return null;
  if (typeof uri === 'string' && NOT_TRAFFIC.test(uri)) return null;
  return {
    at: Math.round(t * 1000),
    version,
    status,
    requestMs: requestTime * 1000,
    // "504, 200" when the next upstream answered after a timeout; ":" separates internal redirects.
    upstreamTimeout: typeof upstreamStatus === 'string' && /(^|[ ,:])504($|[ ,:])/.test(upstreamStatus),
  };
}

/** Latency buckets: 0.5 ms, then 5% wider each, up to ~10 minutes. p95 is accurate to 5%. */
const BUCKET_GROWTH = 1.05;
const FIRST_BUCKET_MS = 0.5;
export const latencyBucketOf = (ms: number) => (ms <= FIRST_BUCKET_MS ? 0 : Math.min(400, Math.ceil(Math.log(ms / FIRST_BUCKET_MS) / Math.log(BUCKET_GROWTH))));
export const latencyUpperEdge = (bucket: number) => FIRST_BUCKET_MS * BUCKET_GROWTH ** bucket;

interface SecondBucket {
  requests: number;
  errors5xx: number;
  timeouts: number;
  latency: Map<number, number>;
}

export class TrafficFigures {
  /** version -> second (epoch) -> bucket */
  private readonly seconds = new Map<string, Map<number, SecondBucket>>();

  constructor(private readonly retentionMs = 6 * 3600_000) {}

  add(record: AccessRecord): void {
    let perVersion = this.seconds.get(record.version);
    if (!perVersion) this.seconds.set(record.version, (perVersion = new Map()));
    const second = Math.floor(record.at / 1000);
    let bucket = perVersion.get(second);
    if (!bucket) perVersion.set(second, (bucket = { requests: 0, errors5xx: 0, timeouts: 0, latency: new Map() }));
    bucket.requests += 1;
    if (record.status >= 500) bucket.errors5xx += 1;
    if (record.upstreamTimeout) bucket.timeouts += 1;
    const latencyBucket = latencyBucketOf(record.requestMs);
    bucket.latency.set(latencyBucket, (bucket.latency.get(latencyBucket) ?? 0) + 1);
  }

  /** Figures of `version` over [fromMs, toMs), at one-second resolution. */
  figures(version: string, fromMs: number, toMs: number): VersionFigures {
    const from = Math.floor(fromMs / 1000);
    const to = Math.ceil(toMs / 1000);
    let requests = 0;
    let errors5xx = 0;
    let timeouts = 0;
    const latency = new Map<number, number>();
    for (const [second, bucket] of this.seconds.get(version) ?? []) {
      if (second < from || second >= to) continue;
      requests += bucket.requests;
      errors5xx += bucket.errors5xx;
      timeouts += bucket.timeouts;
      for (const [b, n] of bucket.latency) latency.set(b, (latency.get(b) ?? 0) + n);
    }
    return {
      requests,
      errors5xx,
      errorRate: requests ? errors5xx / requests : 0,
      timeouts,
      timeoutRate: requests ? timeouts / requests : 0,
      p95Ms: requests ? round(latencyUpperEdge(percentileBucket(latency, requests, 0.95))) : null,
    };
  }

  /** Drops seconds older than the retention. */
  trim(nowMs: number): void {
    const oldest = Math.floor((nowMs - this.retentionMs) / 1000);
    for (const perVersion of this.seconds.values()) {
      for (const second of perVersion.keys()) if (second < oldest) perVersion.delete(second);
    }
  }
}

export function percentileBucket(latency: Map<number, number>, total: number, quantile: number): number {
  const rank = Math.ceil(total * quantile);
  let seen = 0;
  for (const bucket of [...latency.keys()].sort((a, b) => a - b)) {
    seen += latency.get(bucket)!;
    if (seen >= rank) return bucket;
  }
  return 0;
}

export const round = (ms: number) => Math.round(ms * 10) / 10;
