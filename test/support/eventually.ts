import { setTimeout as sleep } from 'node:timers/promises';

/** Waits until `done` holds, polling; fails naming `what` after the timeout. */
export async function eventually(what: string, done: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Reads until the value satisfies `done` and returns it; fails naming `what` after the timeout. */
export async function eventuallyValue<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  let value!: T;
  await eventually(what, async () => done((value = await read())), timeoutMs, everyMs);
  return value;
}
