import { PlaceOrderResult, PlacementRequest, Settled } from './placement';
import { PlacementBatcher } from './placement-batcher';

const request = (customerId: string): PlacementRequest => ({
  command: { customerId, clientOrderId: 'c', currency: 'EUR', items: [] },
  requestHash: 'h',
  context: { source: 'sqs' },
  fenceToken: '1',
  beforeWrite: () => undefined,
});
const placed = (r: PlacementRequest): Settled<PlaceOrderResult> => ({ ok: true, value: { created: true, order: { customerId: r.command.customerId } as PlaceOrderResult['order'] } });

/** A gate that admits nothing until opened, then everything. */
function closedGate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, admit: async <T>(work: () => Promise<T>) => opened.then(work) };
}

describe('PlacementBatcher', () => {
  it('gathers the placements of one turn into batches of at most maxBatch, each answered with its own outcome', async () => {
    const batches: string[][] = [];
    const batcher = new PlacementBatcher(3, (work) => work(), async (requests) => {
      batches.push(requests.map((r) => r.command.customerId));
      return requests.map((r) => (r.command.customerId === 'c2' ? { ok: false, error: new Error('no c2') } : placed(r)));
    });
    const outcomes = await Promise.allSettled(['c1', 'c2', 'c3', 'c4'].map((c) => batcher.place(request(c))));
    expect(batches).toEqual([['c1', 'c2', 'c3'], ['c4']]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.order.customerId : (o.reason as Error).message))).toEqual(['c1', 'no c2', 'c3', 'c4']);
  });

  it('lets placements that arrive while the database is busy join the waiting batch', async () => {
    const gate = closedGate();
    const batches: string[][] = [];
    const batcher = new PlacementBatcher(10, gate.admit, async (requests) => {
      batches.push(requests.map((r) => r.command.customerId));
      return requests.map(placed);
    });
    const first = batcher.place(request('early'));
    await new Promise((resolve) => setImmediate(resolve)); // its batch has asked for admission
    const later = [batcher.place(request('late-1')), batcher.place(request('late-2'))];
    await new Promise((resolve) => setImmediate(resolve));
    gate.open();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([['early', 'late-1', 'late-2']]);
  });

  it('fails every placement of a batch whose database work failed as a whole, and goes on with the next', async () => {
    let calls = 0;
    const batcher = new PlacementBatcher(2, (work) => work(), async (requests) => {
      if (calls++ === 0) throw new Error('connection lost');
      return requests.map(placed);
    });
    const failed = await Promise.allSettled([batcher.place(request('a')), batcher.place(request('b'))]);
    expect(failed.map((o) => o.status === 'rejected' && (o.reason as Error).message)).toEqual(['connection lost', 'connection lost']);
    await expect(batcher.place(request('c'))).resolves.toMatchObject({ created: true });
  });
});
