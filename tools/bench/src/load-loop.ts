import { setTimeout as sleep } from 'node:timers/promises';
import { LatencyRecorder, LatencySummary } from './latency';

/** What one operation reports: nothing when it succeeded, else a short error kind ("http-503", "ECONNRESET"). */
export type Operation = (index: number, client: number) => Promise<string | void>;

export interface LoopResult {
  ok: number;
  errors: number;
  errorKinds: Record<string, number>;
  elapsedMs: number;
  /** Latency of the successful operations. */
  latency: LatencySummary;
}

class Tally {
  ok = 0;
  errors = 0;
  readonly errorKinds: Record<string, number> = {};
  readonly latency = new LatencyRecorder();

  async run(op: Operation, index: number, client: number): Promise<void> {
    const started = performance.now();
    let failure: string | void;
    try {
      failure = await op(index, client);
    } catch (error) {
      failure = errorKind(error);
    }
    if (failure) {
      this.errors++;
      this.errorKinds[failure] = (this.errorKinds[failure] ?? 0) + 1;
    } else {
      this.ok++;
      this.latency.record(performance.now() - started);
    }
  }

  result(elapsedMs: number): LoopResult {
    return { ok: this.ok, errors: this.errors, errorKinds: this.errorKinds, elapsedMs, latency: this.latency.summary() };
  }
}

/**
 * `concurrency` clients, each sending its next request as soon as the previous one is answered,
 * for `durationMs` or until `stop()` answers true.
 */
export async function runClosedLoop(opts: {
  concurrency: number;
  durationMs: number;
  op: Operation;
  onProgress?: (done: number) => void;
  stop?: () => boolean;
}): Promise<LoopResult> {
  const tally = new Tally();
  const started = performance.now();
  const deadline = started + opts.durationMs;
  let index = 0;
  const client = async (_: unknown, slot: number) => {
    while (performance.now() < deadline && !opts.stop?.()) {
      await tally.run(opts.op, index++, slot);
      opts.onProgress?.(tally.ok + tally.errors);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, client));
  return tally.result(performance.now() - started);
}

/**
 * `total` operations started at `ratePerSecond` (operation i not before start + i/rate) by at
 * most `concurrency` clients: a storefront's steady traffic, which slow answers cannot slow down
 * until every client is busy.
 */
export async function runPaced(opts: {
  total: number;
  ratePerSecond: number;
  concurrency: number;
  op: Operation;
  onProgress?: (done: number) => void;
}): Promise<LoopResult> {
  const tally = new Tally();
  const started = performance.now();
  let index = 0;
  const client = async (_: unknown, slot: number) => {
    for (;;) {
      const mine = index++;
      if (mine >= opts.total) return;
      const due = started + (mine * 1000) / opts.ratePerSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      await tally.run(opts.op, mine, slot);
      opts.onProgress?.(tally.ok + tally.errors);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, client));
  return tally.result(performance.now() - started);
}

export function errorKind(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'error';
}
