/**
 * Additive increase, multiplicative decrease of a concurrency limit from observed latency, the
 * way TCP finds its window: while the database answers within the target, the limit grows by one
 * per `limit` fast samples; when a sample is slower, it shrinks by `backoff` (at most once per
 * `limit` samples, so one slow burst of the requests already in flight counts once). The worker
 * uses it so that a backlog drains with what the database has to spare, and live REST traffic,
 * which shares the database, keeps its latency.
 *
 * The target is relative when `tolerance` is set: that many times the quietest latency seen
 * lately (the minimum over the last one or two windows of `baselineWindow` samples), at most
 * `targetMs`. The quietest transaction is what the database costs when nothing waits; a
 * transaction far slower than that waited behind others, and other traffic (REST) is then what the
 * worker makes room for. A fixed target cannot tell: it is either above what a busy database
 * still answers in (the worker never yields) or below an idle one on another machine (it never
 * grows).
 */
export interface AimdOptions {
  min: number;
  max: number;
  /** A sample above this (ms) means the database is busy; the upper bound of a relative target. */
  targetMs: number;
  /** Relative target: a sample above `tolerance` x the quietest recent one means busy. */
  tolerance?: number;
  /** Samples per window of the quietest-latency memory (default 2,000). */
  baselineWindow?: number;
  /** Factor applied on a slow sample, 0..1. */
  backoff?: number;
  /** Where the limit starts; `min` by default (grow into the room there is). */
  initial?: number;
}

export class AimdController {
  private value: number;
  private samplesSinceDecrease = 0;
  private readonly backoff: number;
  private readonly baseline: WindowedMinimum | null;

  constructor(private readonly options: AimdOptions) {
    if (options.min < 1 || options.max < options.min) throw new Error(`bad AIMD bounds ${options.min}..${options.max}`);
    if (options.tolerance !== undefined && !(options.tolerance > 1)) throw new Error(`bad AIMD tolerance ${options.tolerance}: must be above 1`);
    this.backoff = options.backoff ?? 0.7;
    this.value = Math.min(options.max, Math.max(options.min, options.initial ?? options.min));
    this.baseline = options.tolerance === undefined ? null : new WindowedMinimum(options.baselineWindow ?? 2_000);
  }

  /** Whole tasks allowed at once. */
  get limit(): number {
    return Math.max(this.options.min, Math.floor(this.value));
  }

  /** The latency (ms) above which a sample counts as slow, now. */
  get targetMs(): number {
    if (!this.baseline) return this.options.targetMs;
    return Math.min(this.options.targetMs, this.options.tolerance! * this.baseline.value);
  }

  observe(latencyMs: number): void {
    this.baseline?.add(latencyMs);
    this.samplesSinceDecrease++;
    if (latencyMs > this.targetMs) {
      if (this.samplesSinceDecrease >= this.limit) {
        this.value = Math.max(this.options.min, this.value * this.backoff);
        this.samplesSinceDecrease = 0;
      }
    } else {
      this.value = Math.min(this.options.max, this.value + 1 / this.value);
    }
  }
}

/** The minimum of the samples in the current and the previous window of `window` samples. */
class WindowedMinimum {
  private previous = Infinity;
  private current = Infinity;
  private count = 0;

  constructor(private readonly window: number) {}

  add(sample: number): void {
    this.current = Math.min(this.current, sample);
    if (++this.count >= this.window) {
      this.previous = this.current;
      this.current = Infinity;
      this.count = 0;
    }
  }

  get value(): number {
    return Math.min(this.previous, this.current);
  }
}

/** Runs tasks at most `limit()` at once (the limit may change between tasks); FIFO for the waiting. */
export class AdaptiveLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private roomWaiters: Array<() => void> = [];

  constructor(private readonly limit: () => number) {}

  /**
   * Resolves once a task could start at once (fewer than `limit` running, none queued), without
   * taking a place: for what should only begin when it will not have to wait for one. All who
   * wait go on together when a running task ends with room left.
   */
  whenRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (!this.hasRoom()) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.admit();
    }
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Callers of whenRoom still waiting. */
  get awaitingRoom(): number {
    return this.roomWaiters.length;
  }

  /** Lets waiting tasks in while there is room under the current limit, then those waiting for room. */
  private admit(): void {
    while (this.waiting.length > 0 && this.active < this.limit()) {
      this.active++;
      this.waiting.shift()!();
    }
    if (this.roomWaiters.length > 0 && this.hasRoom()) {
      const roomWaiters = this.roomWaiters;
      this.roomWaiters = [];
      for (const resolve of roomWaiters) resolve();
    }
  }

  private hasRoom(): boolean {
    return this.active < this.limit() && this.waiting.length === 0;
  }
}
