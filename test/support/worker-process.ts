import { join } from 'node:path';
import { freePort } from '@orderflow/devstack/free-port';
import { AppProcess, startAppProcess } from './app-process';
import { TestStack } from './test-stack';

/**
 * A built worker as its own process against the stack, polling with a short wait so that tests
 * see new messages quickly; its log goes to `<stack dir>/<name>.log`.
 */
export async function startWorkerProcess(stack: TestStack, name: string, env: Record<string, string> = {}): Promise<AppProcess> {
  return startAppProcess('worker', { ...stack.env, SQS_WAIT_TIME_SECONDS: '1', ...env }, await freePort(), join(stack.rootDir, `${name}.log`));
}
