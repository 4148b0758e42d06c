import { placementBatchSize } from '@orderflow/observability/metrics';
import { PlaceOrderResult, PlacementRequest, Settled } from './placement';

interface Waiting {
  request: PlacementRequest;
  resolve: (result: PlaceOrderResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the placements that are ready at the same moment into batches of at most `maxBatch`
 * (placeBatch: two statements and one commit for the batch). A placement waits for nothing but
 * the current turn of the event loop, or for `admit` (the adaptive limit's slot) when the database
 * is busy, and the placements that arrive while it waits join its batch: the busier the
 * database, the fuller the batches, with no timer that would delay a lone order.
 */
export class PlacementBatcher {
  private readonly waiting: Waiting[] = [];
  /** Admissions asked for whose batch has not been taken yet. */
  private admissions = 0;
  private dispatchScheduled = false;

  constructor(
    private readonly maxBatch: number,
    /** Runs a batch's database work once there is room for it (the worker's adaptive limit). */
    private readonly admit: <T>(work: () => Promise<T>) => Promise<T>,
    private readonly placeBatch: (requests: PlacementRequest[]) => Promise<Settled<PlaceOrderResult>[]>,
  ) {
    if (!(maxBatch >= 1)) throw new Error(`bad placement batch size ${maxBatch}`);
  }

  place(request: PlacementRequest): Promise<PlaceOrderResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      if (!this.dispatchScheduled) {
        this.dispatchScheduled = true;
        setImmediate(() => this.dispatch());
      }
    });
  }

  /** Asks for as many admissions as the waiting placements fill batches. */
  private dispatch(): void {
    this.dispatchScheduled = false;
    // Counted again each round: an admission granted at once takes its batch before returning.
    while (this.admissions < Math.ceil(this.waiting.length / this.maxBatch)) {
      this.admissions++;
      void this.runOneBatch();
    }
  }

  private async runOneBatch(): Promise<void> {
    let batch: Waiting[] = [];
    let taken = false;
    try {
      await this.admit(async () => {
        // Taken once admitted, not when asked for: what arrived meanwhile rides along.
        taken = true;
        this.admissions--;
        batch = this.waiting.splice(0, this.maxBatch);
        if (batch.length === 0) return;
        placementBatchSize.observe(batch.length);
        const outcomes = await this.placeBatch(batch.map((waiting) => waiting.request));
        batch.forEach((waiting, index) => {
          const outcome = outcomes[index];
          if (outcome.ok) waiting.resolve(outcome.value);
          else waiting.reject(outcome.error);
        });
      });
    } catch (error) {
      if (!taken) this.admissions--;
      // The batch's connection or statement failed as a whole (placeBatch settles everything else).
      for (const waiting of batch) waiting.reject(error);
    }
  }
}
