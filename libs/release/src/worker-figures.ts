import type Redis from 'ioredis';
import { latencyBucketOf, latencyUpperEdge, percentileBucket, round, VersionFigures } from './router/traffic-figures';

/** Outcomes are summed per version in buckets of this many seconds. */
const BUCKET_SECONDS = 5;
/** Kept this long: a step window is judged on at most its last 6 hours (as the router's figures). */
const RETENTION_SECONDS = 6 * 3600;
const keyOf = (version: string, bucket: number) => `orderflow:worker-figures:${version}:${bucket}`;

interface Pending {
  handled: number;
  failed: number;
  latency: Map<number, number>;
}

/**
 * What the workers measure of their own processing, per version, for the release controller's
 * step decision (docs/releases.md, "Workers"): messages handled, failures (a transient or unknown
 * error: the message is retried), and a histogram of processing latency, the same 5% buckets as
 * the router's. Each worker adds its counts to shared Redis hashes once a second; the figures of a
 * window sum every worker's.
 */
export class WorkerFigures {
  private pending = new Map<string, Pending>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly redis: Redis) {}

  start(flushMs = 1000): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), flushMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }

  record(version: string, outcome: { failed: boolean; ms: number }, at = Date.now()): void {
    const key = keyOf(version, Math.floor(at / 1000 / BUCKET_SECONDS));
    let entry = this.pending.get(key);
    if (!entry) this.pending.set(key, (entry = { handled: 0, failed: 0, latency: new Map() }));
    entry.handled += 1;
    if (outcome.failed) entry.failed += 1;
    else {
      const bucket = latencyBucketOf(outcome.ms);
      entry.latency.set(bucket, (entry.latency.get(bucket) ?? 0) + 1);
    }
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    if (batch.size === 0) return;
    this.pending = new Map();
    const pipeline = this.redis.multi();
    for (const [key, entry] of batch) {
      pipeline.hincrby(key, 'n', entry.handled);
      if (entry.failed) pipeline.hincrby(key, 'f', entry.failed);
      for (const [bucket, count] of entry.latency) pipeline.hincrby(key, `l${bucket}`, count);
      pipeline.expire(key, RETENTION_SECONDS);
    }
    await pipeline.exec();
  }

  /** A version's figures over [fromMs, toMs), in the router's terms: failures count as errors, no timeouts. */
  async figures(version: string, fromMs: number, toMs: number): Promise<VersionFigures> {
    const first = Math.max(Math.floor(fromMs / 1000 / BUCKET_SECONDS), Math.floor((toMs / 1000 - RETENTION_SECONDS) / BUCKET_SECONDS));
    const last = Math.floor(toMs / 1000 / BUCKET_SECONDS);
    const pipeline = this.redis.pipeline();
    for (let bucket = first; bucket <= last; bucket++) pipeline.hgetall(keyOf(version, bucket));
    let handled = 0;
    let failed = 0;
    const latency = new Map<number, number>();
    for (const [, hash] of (await pipeline.exec()) ?? []) {
      for (const [field, value] of Object.entries((hash ?? {}) as Record<string, string>)) {
        if (field === 'n') handled += Number(value);
        else if (field === 'f') failed += Number(value);
        else latency.set(Number(field.slice(1)), (latency.get(Number(field.slice(1))) ?? 0) + Number(value));
      }
    }
    const timed = handled - failed;
    return {
      requests: handled,
      errors5xx: failed,
      errorRate: handled ? failed / handled : 0,
      timeouts: 0,
      timeoutRate: 0,
      p95Ms: timed > 0 ? round(latencyUpperEdge(percentileBucket(latency, timed, 0.95))) : null,
    };
  }
}
