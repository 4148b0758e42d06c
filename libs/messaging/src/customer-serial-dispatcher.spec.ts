import { CustomerSerialDispatcher } from './customer-serial-dispatcher';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('customer serial dispatcher', () => {
  it('runs one customer’s messages one after another in batch order, different customers in parallel', async () => {
    const dispatcher = new CustomerSerialDispatcher();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const perCustomerRunning = new Map<string, number>();
    const items = ['a1', 'b1', 'a2', 'c1', 'a3', 'b2'].map((id) => ({ id, key: id[0] }));
    // The first message of each of the three customers waits until all three run at once: a
    // dispatcher that ran customers one after another would never get there.
    const allThreeRunning = gate();
    await dispatcher.dispatch(
      items,
      async (item) => {
        const mine = (perCustomerRunning.get(item.key) ?? 0) + 1;
        perCustomerRunning.set(item.key, mine);
        expect(mine).toBe(1);
        running++;
        maxRunning = Math.max(maxRunning, running);
        log.push(`start ${item.id}`);
        if (running === 3) allThreeRunning.open();
        await allThreeRunning.opened;
        running--;
        perCustomerRunning.set(item.key, mine - 1);
        return 'continue';
      },
      async () => undefined,
    );
    const starts = log.map((l) => l.slice(6));
    expect(starts.filter((id) => id.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(starts.filter((id) => id.startsWith('b'))).toEqual(['b1', 'b2']);
    expect(maxRunning).toBe(3);
  });

  it('skips the rest of a customer’s batch after a message asks to stop, others unaffected', async () => {
    const dispatcher = new CustomerSerialDispatcher();
    const ran: string[] = [];
    const skipped: string[] = [];
    const items = ['a1', 'a2', 'b1', 'a3', 'b2'].map((id) => ({ id, key: id[0] }));
    await dispatcher.dispatch(
      items,
      async (item) => {
        ran.push(item.id);
        return item.id === 'a2' ? 'stop-group' : 'continue';
      },
      async (item) => void skipped.push(item.id),
    );
    expect(ran.sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(skipped).toEqual(['a3']);
  });

  it('keeps a customer’s order across batches dispatched concurrently', async () => {
    const dispatcher = new CustomerSerialDispatcher();
    const order: string[] = [];
    const firstMayFinish = gate();
    const run = async (item: { id: string }) => {
      order.push(`start ${item.id}`);
      if (item.id === 'a1') await firstMayFinish.opened;
      order.push(`end ${item.id}`);
      return 'continue' as const;
    };
    const both = Promise.all([
      dispatcher.dispatch([{ id: 'a1', key: 'a' }], run, async () => undefined),
      dispatcher.dispatch([{ id: 'a2', key: 'a' }], run, async () => undefined),
    ]);
    // Give a2 every chance to overtake while a1 is held.
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['start a1']);
    firstMayFinish.open();
    await both;
    expect(order).toEqual(['start a1', 'end a1', 'start a2', 'end a2']);
  });
});
