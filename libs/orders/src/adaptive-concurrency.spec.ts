import { AdaptiveLimiter, AimdController, MAX_REST_MS, restAfter } from './adaptive-concurrency';

describe('AimdController', () => {
  it('starts at the minimum and grows by about one per `limit` fast samples up to the maximum', () => {
    const aimd = new AimdController({ min: 1, max: 4, targetMs: 10 });
    expect(aimd.limit).toBe(1);
    aimd.observe(5); // 1 + 1/1
    expect(aimd.limit).toBe(2);
    aimd.observe(5); // 2 + 1/2
    aimd.observe(5); // 2.5 + 1/2.5 = 2.9
    expect(aimd.limit).toBe(2);
    aimd.observe(5); // 2.9 + 1/2.9
    expect(aimd.limit).toBe(3);
    for (let i = 0; i < 100; i++) aimd.observe(1);
    expect(aimd.limit).toBe(4);
  });

  it('backs off multiplicatively on a slow sample, never below the minimum', () => {
    const aimd = new AimdController({ min: 2, max: 20, targetMs: 10, initial: 20, backoff: 0.5 });
    for (let i = 0; i < 20; i++) aimd.observe(50);
    // 20 slow samples: one decrease per `limit` samples, 20 -> 10 (after 20 samples)...
    expect(aimd.limit).toBe(10);
    for (let i = 0; i < 100; i++) aimd.observe(50);
    expect(aimd.limit).toBe(2);
  });

  it('counts one burst of slow answers once: the requests already in flight do not each halve the limit', () => {
    const aimd = new AimdController({ min: 1, max: 16, targetMs: 10, initial: 16, backoff: 0.5 });
    aimd.observe(5); // fast samples count towards the window too
    for (let i = 0; i < 15; i++) aimd.observe(40);
    expect(aimd.limit).toBe(8);
    for (let i = 0; i < 7; i++) aimd.observe(40);
    expect(aimd.limit).toBe(8);
    aimd.observe(40);
    expect(aimd.limit).toBe(4);
  });

  it('recovers once the latency is back under the target', () => {
    const aimd = new AimdController({ min: 1, max: 8, targetMs: 10, initial: 8, backoff: 0.5 });
    for (let i = 0; i < 8; i++) aimd.observe(100);
    expect(aimd.limit).toBe(4);
    for (let i = 0; i < 40; i++) aimd.observe(2);
    expect(aimd.limit).toBe(8);
  });

  it('below a minimum of 1, backs off into a duty cycle of one task and grows out of it when fast again', () => {
    const aimd = new AimdController({ min: 0.25, max: 4, targetMs: 10, initial: 2, backoff: 0.5 });
    expect([aimd.limit, aimd.duty]).toEqual([2, 1]);
    aimd.observe(50);
    aimd.observe(50); // 2 -> 1 after `limit` samples
    expect([aimd.limit, aimd.duty]).toEqual([1, 1]);
    aimd.observe(50); // 0.5: one task, half of the time
    expect([aimd.limit, aimd.duty, aimd.concurrency]).toEqual([1, 0.5, 0.5]);
    for (let i = 0; i < 10; i++) aimd.observe(50);
    expect([aimd.limit, aimd.duty]).toEqual([1, 0.25]); // never below the minimum
    aimd.observe(5); // 0.25 x 1.25: a quarter more, not a whole task more
    expect(aimd.duty).toBeCloseTo(0.3125);
    for (let i = 0; i < 6; i++) aimd.observe(5);
    expect([aimd.limit, aimd.duty]).toEqual([1, 1]);
    for (let i = 0; i < 20; i++) aimd.observe(5);
    expect(aimd.limit).toBe(4);
  });

  it('refuses nonsensical bounds', () => {
    expect(() => new AimdController({ min: 0, max: 4, targetMs: 10 })).toThrow();
    expect(() => new AimdController({ min: 0.5, max: 0.5, targetMs: 10 })).toThrow();
    expect(() => new AimdController({ min: 5, max: 4, targetMs: 10 })).toThrow();
    expect(() => new AimdController({ min: 1, max: 4, targetMs: 10, tolerance: 1 })).toThrow();
  });

  describe('with a relative target', () => {
    it('counts a sample as slow above `tolerance` x the quietest recent one, at most targetMs', () => {
      const aimd = new AimdController({ min: 1, max: 8, targetMs: 20, tolerance: 3, initial: 8, backoff: 0.5 });
      aimd.observe(2);
      expect(aimd.targetMs).toBe(6);
      for (let i = 0; i < 8; i++) aimd.observe(7); // slower than 3 x 2 ms, though under 20 ms
      expect(aimd.limit).toBe(4);
      for (let i = 0; i < 40; i++) aimd.observe(5);
      expect(aimd.limit).toBe(8);
      const slowDatabase = new AimdController({ min: 1, max: 8, targetMs: 20, tolerance: 3 });
      slowDatabase.observe(15);
      expect(slowDatabase.targetMs).toBe(20);
    });

    it('forgets a quiet sample after one to two windows', () => {
      const aimd = new AimdController({ min: 1, max: 8, targetMs: 100, tolerance: 2, baselineWindow: 10 });
      aimd.observe(1);
      for (let i = 0; i < 9; i++) aimd.observe(10); // the first window closes: minimum 1
      expect(aimd.targetMs).toBe(2);
      for (let i = 0; i < 9; i++) aimd.observe(10);
      expect(aimd.targetMs).toBe(2); // still the previous window's
      aimd.observe(10); // the second window closes: its minimum is 10
      expect(aimd.targetMs).toBe(20);
    });
  });
});

/** A promise the test resolves by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('AdaptiveLimiter', () => {
  it('runs at most `limit` tasks at once, the others in arrival order, and follows a changing limit', async () => {
    let limit = 2;
    const limiter = new AdaptiveLimiter(() => limit);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, n) =>
      limiter.run(async () => {
        started.push(n);
        await g.opened;
        return n;
      }),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    expect(limiter.queued).toBe(2);

    limit = 1;
    gates[0].open();
    await settle();
    // One finished, but the limit dropped to 1 and one task still runs: nobody new starts.
    expect(started).toEqual([0, 1]);

    limit = 3;
    gates[1].open();
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    expect(limiter.running).toBe(2);
    gates[2].open();
    gates[3].open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(limiter.running).toBe(0);
  });

  it('with a duty below 1, rests the slot after each task for the time that keeps it busy that share of the time', async () => {
    jest.useFakeTimers();
    try {
      const limiter = new AdaptiveLimiter(
        () => 1,
        () => 0.25,
      );
      const started: number[] = [];
      const task = (n: number) => async () => {
        started.push(n);
        await new Promise((resolve) => setTimeout(resolve, 100)); // busy 100 ms
      };
      const first = limiter.run(task(1));
      const second = limiter.run(task(2));
      await jest.advanceTimersByTimeAsync(100);
      await first;
      expect(started).toEqual([1]); // the slot rests 300 ms: busy a quarter of the time
      expect(limiter.running).toBe(1);
      let room = false;
      void limiter.whenRoom().then(() => (room = true));
      await jest.advanceTimersByTimeAsync(299);
      expect(started).toEqual([1]);
      await jest.advanceTimersByTimeAsync(1);
      expect(started).toEqual([1, 2]);
      await jest.advanceTimersByTimeAsync(400);
      await second;
      expect(room).toBe(true);
      expect(limiter.running).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('rests a slot at most MAX_REST_MS, and not at all at a full duty', () => {
    expect(restAfter(100, 1)).toBe(0);
    expect(restAfter(100, 0.5)).toBe(100);
    expect(restAfter(10_000, 0.1)).toBe(MAX_REST_MS);
  });

  it('frees the slot of a failed task', async () => {
    const limiter = new AdaptiveLimiter(() => 1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
    expect(limiter.running).toBe(0);
  });

  it('tells when a task would start at once, without taking a place: at once with room, else when a task ends with room left', async () => {
    let limit = 1;
    const limiter = new AdaptiveLimiter(() => limit);
    await limiter.whenRoom(); // nothing runs: room
    expect(limiter.running).toBe(0);

    const first = gate();
    const running = limiter.run(() => first.opened);
    const queuedGate = gate();
    const queued = limiter.run(() => queuedGate.opened);
    let roomSeen = 0;
    const waiters = [limiter.whenRoom(), limiter.whenRoom()].map((room) => room.then(() => roomSeen++));
    await settle();
    expect(roomSeen).toBe(0);
    expect(limiter.awaitingRoom).toBe(2);

    // The first ends, but the queued task takes its place: still no room.
    first.open();
    await running;
    await settle();
    expect(limiter.running).toBe(1);
    expect(roomSeen).toBe(0);

    // A higher limit alone lets nobody on; the next task to end does, all waiters together.
    limit = 2;
    await settle();
    expect(roomSeen).toBe(0);
    queuedGate.open();
    await queued;
    await Promise.all(waiters);
    expect(roomSeen).toBe(2);
    expect(limiter.running).toBe(0);
  });
});
