import type { ChainableCommander, Redis } from 'ioredis';

interface Queued {
  add: (pipeline: ChainableCommander) => void;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Sends the commands asked for in the same turn of the event loop as one pipeline: one write and
 * one read for, say, the lock scripts of the ten orders a worker received together, instead of a
 * system call each way per command. Each caller gets its own command's reply or error; when the
 * pipeline fails as a whole (Redis unreachable), every caller of it gets that error, and a
 * pipeline that answers nothing for a command fails it rather than leave it waiting.
 * (ioredis's own auto-pipelining does this for every command, but one of its failure paths
 * leaves callers unanswered: redis/ioredis#1931.)
 */
export class SameTurnPipeline {
  private queued: Queued[] = [];
  private flushScheduled = false;

  constructor(private readonly redis: Redis) {}

  /** `add` appends exactly one command to the pipeline; resolves with its reply. */
  run<T>(add: (pipeline: ChainableCommander) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ add, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const calls = this.queued;
    this.queued = [];
    let pipeline: ChainableCommander;
    try {
      pipeline = this.redis.pipeline();
      for (const call of calls) call.add(pipeline);
    } catch (error) {
      for (const call of calls) call.reject(error);
      return;
    }
    pipeline.exec().then(
      (results) => {
        calls.forEach((call, index) => {
          const result = results?.[index];
          if (!result) call.reject(new Error('Redis answered no reply for this command'));
          else if (result[0]) call.reject(result[0]);
          else call.resolve(result[1]);
        });
      },
      (error: unknown) => {
        for (const call of calls) call.reject(error);
      },
    );
  }
}
