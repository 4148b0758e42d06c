import { SerialRerun } from './serial-rerun';

describe('SerialRerun', () => {
  it('runs once more after a running run when called meanwhile, and once for all calls before that run starts', async () => {
    const started: number[] = [];
    let finishFirst!: () => void;
    const first = new Promise<void>((done) => (finishFirst = done));
    let running = 0;
    let most = 0;
    const rerun = new SerialRerun();
    const task = async () => {
      started.push(started.length);
      most = Math.max(most, ++running);
      if (started.length === 1) await first;
      running--;
    };
    const calls = [rerun.run(task)];
    while (started.length === 0) await Promise.resolve();
    calls.push(rerun.run(task), rerun.run(task), rerun.run(task));
    finishFirst();
    await Promise.all(calls);
    expect(started).toEqual([0, 1]);
    expect(most).toBe(1);
  });

  it('runs again after a failed run, and settled() never rejects', async () => {
    let runs = 0;
    const rerun = new SerialRerun();
    const task = async () => {
      if (++runs === 1) throw new Error('down');
    };
    await expect(rerun.run(task)).rejects.toThrow('down');
    await expect(rerun.settled()).resolves.toBeUndefined();
    await rerun.run(task);
    expect(runs).toBe(2);
  });
});
