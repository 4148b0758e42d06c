import { setTimeout as sleep } from 'node:timers/promises';

/** Waits until `done` holds, polling; fails naming `what` after the timeout. */
export async function eventually(what: string, done: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
