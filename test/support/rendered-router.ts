import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@orderflow/devstack/free-port';
import { RouterInstance, renderNginxConfig } from '@orderflow/release/router/nginx-config';
import { NginxRouter, findNginx, findNjsModule, prepareRuntimeDir } from '@orderflow/release/router/nginx-process';
import { ROUTE_TOKEN_NJS, renderRouteKeysModule } from '@orderflow/release/router/route-token.njs';
import type { RouteTokenKey } from '@orderflow/release/route-token';
import { AccessLogLine, accessLogLines, readAccessLog } from './access-log';

export interface RoutingInput {
  instances: RouterInstance[];
  stableApiVersion?: string;
  abortedApiVersions?: string[];
}

export interface RenderedRouter {
  url: string;
  runtimeDir: string;
  /** Renders and applies a new routing input (checked, graceful reload). */
  route(input: RoutingInput): Promise<void>;
  /** The JSON access log lines so far. */
  accessLog(): AccessLogLine[];
  /** Waits for `count` access-log lines whose request id starts with `ridPrefix`. */
  accessLogLines(ridPrefix: string, count: number): Promise<AccessLogLine[]>;
  stop(): Promise<void>;
}

/**
 * A real nginx running the router's rendered configuration, without the controller: for tests of
 * the configuration itself (token verification, the version map, fallbacks).
 */
export async function startRenderedRouter(keys: RouteTokenKey[], input: RoutingInput): Promise<RenderedRouter> {
  const runtimeDir = mkdtempSync(join(tmpdir(), 'orderflow-router-'));
  const { workerUser } = prepareRuntimeDir(runtimeDir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const nginx = new NginxRouter({ binary: findNginx(), runtimeDir, healthUrl: `${url}/router/health` });
  const njsModulePath = findNjsModule();
  const route = (routing: RoutingInput) =>
    nginx.apply({
      nginxConf: renderNginxConfig({
        listen: { host: '127.0.0.1', port },
        runtimeDir,
        njsModulePath,
        instances: routing.instances,
        stableApiVersion: routing.stableApiVersion,
        abortedApiVersions: routing.abortedApiVersions ?? [],
        proxy: { connectTimeoutMs: 500, readTimeoutMs: 2000, keepaliveConnections: 8 },
        workerUser,
      }),
      njsScript: ROUTE_TOKEN_NJS,
      keysModule: renderRouteKeysModule(keys),
    });
  await route(input);
  return {
    url,
    runtimeDir,
    route,
    accessLog: () => readAccessLog(runtimeDir),
    accessLogLines: (ridPrefix, count) => accessLogLines(runtimeDir, ridPrefix, count),
    stop: () => nginx.stop(),
  };
}
