/**
 * Work run on demand, one run at a time (a re-read, a re-render, a reload). A call while a run is
 * going gets one more run after it, since the running one may have started before the change
 * that prompted the call; every call made before that next run starts shares it (and its task:
 * give the same work each time).
 */
export class SerialRerun {
  private last: Promise<void> = Promise.resolve();
  private queued = false;

  run(task: () => Promise<void>): Promise<void> {
    if (this.queued) return this.last;
    this.queued = true;
    this.last = this.last
      .catch(() => undefined)
      .then(() => {
        this.queued = false;
        return task();
      });
    return this.last;
  }

  /** Settles once every run asked for so far has ended, failed or not. */
  settled(): Promise<void> {
    return this.last.catch(() => undefined);
  }
}
