/**
 * A task run on demand, one run at a time (a re-read, a re-render). A call while a run is going
 * gets one more run after it, since the running one may have started before the change that
 * prompted the call; every call made before that next run starts shares it.
 */
export class SerialRerun {
  private last: Promise<void> = Promise.resolve();
  private queued = false;

  constructor(private readonly task: () => Promise<void>) {}

  run(): Promise<void> {
    if (this.queued) return this.last;
    this.queued = true;
    this.last = this.last
      .catch(() => undefined)
      .then(() => {
        this.queued = false;
        return this.task();
      });
    return this.last;
  }

  /** Settles once every run asked for so far has ended, failed or not. */
  settled(): Promise<void> {
    return this.last.catch(() => undefined);
  }
}
