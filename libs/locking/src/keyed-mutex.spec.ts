import { KeyedMutex } from './keyed-mutex';

/** A promise the test resolves by hand, to hold work open. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Lets every already-settled continuation run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedMutex', () => {
  it('runs the work of one key one at a time, in the order it arrived', async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    const first = gate();
    const runs = [1, 2, 3].map((n) =>
      mutex.run('customer-a', async () => {
        events.push(`start ${n}`);
        if (n === 1) await first.opened;
        await settle();
        events.push(`end ${n}`);
        return n;
      }),
    );
    await settle();
    expect(events).toEqual(['start 1']);
    first.open();
    expect(await Promise.all(runs)).toEqual([1, 2, 3]);
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('runs the work of different keys concurrently', async () => {
    const mutex = new KeyedMutex();
    const a = gate();
    const started: string[] = [];
    const runA = mutex.run('customer-a', async () => {
      started.push('a');
      await a.opened;
    });
    const runB = mutex.run('customer-b', async () => {
      started.push('b');
    });
    await settle();
    // customer-b did not wait for customer-a's work to finish.
    expect(started).toEqual(['a', 'b']);
    a.open();
    await Promise.all([runA, runB]);
  });

  it('hands the key to the next waiter when a work fails, and passes the error to its caller', async () => {
    const mutex = new KeyedMutex();
    const failing = mutex.run('customer-a', async () => {
      await settle();
      throw new Error('boom');
    });
    let ran = false;
    const next = mutex.run('customer-a', async () => {
      ran = true;
      return 'ran';
    });
    await expect(failing).rejects.toThrow('boom');
    await settle();
    expect(ran).toBe(true);
    await expect(next).resolves.toBe('ran');
  });

  it('forgets a key once its last work has finished, whether it succeeded or failed', async () => {
    const mutex = new KeyedMutex();
    const held = gate();
    const runs = [
      mutex.run('customer-a', () => held.opened),
      mutex.run('customer-a', async () => undefined),
      mutex.run('customer-b', async () => Promise.reject(new Error('boom'))),
    ];
    expect(mutex.size).toBe(2);
    held.open();
    await Promise.allSettled(runs);
    expect(mutex.size).toBe(0);
  });

  it('keeps the key while a later waiter is still queued', async () => {
    const mutex = new KeyedMutex();
    const first = gate();
    const second = gate();
    const runFirst = mutex.run('customer-a', () => first.opened);
    const runSecond = mutex.run('customer-a', () => second.opened);
    first.open();
    await runFirst;
    expect(mutex.size).toBe(1);
    second.open();
    await runSecond;
    expect(mutex.size).toBe(0);
  });
});
