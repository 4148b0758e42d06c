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
 *
 * Below one (a fractional `min`), the limit is a duty cycle: one transaction at a time, for that
 * share of the time (`duty`; AdaptiveLimiter rests the slot in between). A worker held to one
 * transaction still places a full batch back to back with the next, and on a shared host that
 * is most of what live traffic waits behind; a duty of 0.5 halves it.
 */
export interface AimdOptions {
  /** The least concurrency, above 0; below 1 a duty cycle of one transaction. */
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

/** A fast sample's growth of a duty cycle (below 1): from 0.25 back to 1 in seven. */
const DUTY_GROWTH = 1.25;

export class AimdController {
  private value: number;
  private samplesSinceDecrease = 0;
  private readonly backoff: number;
  private readonly baseline: WindowedMinimum | null;

  constructor(private readonly options: AimdOptions) {
    if (!(options.min > 0) || options.max < Math.max(1, options.min)) throw new Error(`bad AIMD bounds ${options.min}..${options.max}`);
    if (options.tolerance !== undefined && !(options.tolerance > 1)) throw new Error(`bad AIMD tolerance ${options.tolerance}: must be above 1`);
    this.backoff = options.backoff ?? 0.7;
    this.value = Math.min(options.max, Math.max(options.min, options.initial ?? options.min));
    this.baseline = options.tolerance === undefined ? null : new WindowedMinimum(options.baselineWindow ?? 2_000);
  }

  /** Whole tasks allowed at once. */
  get limit(): number {
    return Math.max(1, Math.floor(this.value));
  }

  /** The share of the time the one slot may be busy: below 1 only when the limit is a duty cycle. */
  get duty(): number {
    return Math.min(1, this.value);
  }

  /** The limit as a number: whole tasks at once, or the duty of one below 1 (the gauge's value). */
  get concurrency(): number {
    return this.value < 1 ? this.value : this.limit;
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
      // Below 1, one more whole task per sample would leap past the duty cycle: grow by a quarter.
      const grown = this.value < 1 ? this.value * DUTY_GROWTH : this.value + 1 / this.value;
      this.value = Math.min(this.options.max, grown);
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

/** The longest a duty cycle rests a slot: after a very slow task the backlog still moves each second. */
export const MAX_REST_MS = 1_000;

/** How long a slot rests after a task that took `busyMs`, so that it is busy `duty` of the time. */
export function restAfter(busyMs: number, duty: number): number {
  return duty >= 1 ? 0 : Math.min(MAX_REST_MS, busyMs * (1 / duty - 1));
}

/**
 * Runs tasks at most `limit()` at once (the limit may change between tasks); FIFO for the waiting.
 * With `duty()` below 1, a slot rests after each task before the next may take it (restAfter).
 */
export class AdaptiveLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private roomWaiters: Array<() => void> = [];

  constructor(
    private readonly limit: () => number,
    private readonly duty: () => number = () => 1,
  ) {}

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
    const started = performance.now();
    try {
      return await task();
    } finally {
      const rest = restAfter(performance.now() - started, this.duty());
      if (rest > 0) setTimeout(() => this.release(), rest);
      else this.release();
    }
  }

  /** Slots taken: tasks running, and slots resting after one (duty cycle). */
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

  private release(): void {
    this.active--;
    this.admit();
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
