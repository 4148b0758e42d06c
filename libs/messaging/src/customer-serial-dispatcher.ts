import { KeyedMutex } from '@orderflow/locking/keyed-mutex';

export interface DispatchItem {
  /** Messages with the same key run one after another, in the order given. */
  key: string;
}

export type ItemVerdict = 'continue' | 'stop-group';

/**
 * Runs a batch of messages: different keys (customers) in parallel, one key's messages strictly
 * one after another, also across batches. When a message's handler answers 'stop-group' (it
 * failed and will be retried), the later messages of that key in the batch are not run but
 * handed to `skip`, so that none overtakes it.
 */
export class CustomerSerialDispatcher {
  private readonly mutex = new KeyedMutex();

  async dispatch<T extends DispatchItem>(
    items: readonly T[],
    run: (item: T) => Promise<ItemVerdict>,
    skip: (item: T) => Promise<void>,
  ): Promise<void> {
    const groups = new Map<string, T[]>();
    for (const item of items) {
      const group = groups.get(item.key);
      if (group) group.push(item);
      else groups.set(item.key, [item]);
    }
    await Promise.all(
      [...groups].map(([key, group]) =>
        this.mutex.run(key, async () => {
          for (let index = 0; index < group.length; index++) {
            if ((await run(group[index])) === 'stop-group') {
              for (const rest of group.slice(index + 1)) await skip(rest);
              return;
            }
          }
        }),
      ),
    );
  }
}
