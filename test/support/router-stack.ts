import { join } from 'node:path';
import { freePort } from '@orderflow/devstack/free-port';
import type { RouteTokenKey } from '@orderflow/release/route-token';
import { AccessLogLine, accessLogLines, readAccessLog } from './access-log';
import { AppProcess, startAppProcess } from './app-process';
import { eventually } from './eventually';
import type { TestStack } from './test-stack';

export const TEST_ROUTE_KEYS: RouteTokenKey[] = [{ id: 'test1', secret: 'a-test-route-token-secret-of-32-chars-or-more' }];
export const routeKeysEnv = (keys: RouteTokenKey[] = TEST_ROUTE_KEYS) => keys.map((k) => `${k.id}:${k.secret}`).join(',');

/** The stack's services as app environment (what `npm start` hands its children). */
function appEnv(stack: TestStack, extra: Record<string, string>): Record<string, string> {
  return { ...stack.env, LOG_LEVEL: 'warn', INSTANCE_TTL_SECONDS: '3', ROUTE_TOKEN_KEYS: routeKeysEnv(), ...extra };
}

/** One API process of `version`, registered in the stack's Redis. */
export async function startApiVersion(stack: TestStack, version: string, name: string, extra: Record<string, string> = {}): Promise<AppProcess> {
  const port = await freePort();
  return startAppProcess('api', appEnv(stack, { ORDERFLOW_VERSION: version, ...extra }), port, join(stack.rootDir, `api-${name}.log`));
}

export interface RouterProcess extends AppProcess {
  runtimeDir: string;
  /** Access-log lines so far, parsed. */
  accessLog(): AccessLogLine[];
  /** Waits for `count` access-log lines whose request id starts with `ridPrefix`. */
  accessLogLines(ridPrefix: string, count: number): Promise<AccessLogLine[]>;
  /** Waits until a request with these headers is answered by `version` (the router re-rendered). */
  waitRoutes(headers: Record<string, string>, version: string): Promise<void>;
}

/** `npm run start:router` as its own process, with its own runtime dir under the stack's. */
export async function startRouterProcess(stack: TestStack, extra: Record<string, string> = {}): Promise<RouterProcess> {
  const port = await freePort();
  const runtimeDir = join(stack.rootDir, `router-${port}`);
  const env = appEnv(stack, { ROUTER_RUNTIME_DIR: runtimeDir, ROUTER_LISTEN_HOST: '127.0.0.1', ROUTER_POLL_MS: '250', LOG_LEVEL: 'info', ...extra });
  const router = await startAppProcess('router', env, port, join(stack.rootDir, `router-${port}.log`));
  const accessLog = () => readAccessLog(runtimeDir);
  const waitRoutes = (headers: Record<string, string>, version: string) =>
    eventually(`the router to send ${JSON.stringify(Object.keys(headers))} to ${version}`, async () => {
      const response = await fetch(`${router.url}/health/live`, { headers }).catch(() => undefined);
      return response?.headers.get('orderflow-version') === version;
    }, 30_000, 100);
  return Object.assign(router, { runtimeDir, accessLog, accessLogLines: (ridPrefix: string, count: number) => accessLogLines(runtimeDir, ridPrefix, count), waitRoutes });
}
