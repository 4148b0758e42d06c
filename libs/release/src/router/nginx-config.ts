import { createHash } from 'node:crypto';

/**
 * Renders the router's nginx.conf: a pure function of the live API instances, the routing state
 * and the router's own settings, so a test can check the configuration without nginx and the
 * controller can compare renders to know when a reload is due.
 *
 * Routing: njs (route-token.js) yields the API version a valid token names; a `map` turns it into
 * an upstream. Only versions with a live instance that are not aborted get a map entry; anything
 * else (no token, a bad token, a version without instances, an aborted candidate) falls to the
 * default: stable. A candidate's upstream lists stable's instances as `backup`, so even a request
 * routed to the candidate in the second before its instances leave the registry reaches stable
 * when the candidate refuses connections.
 */

export interface RouterInstance {
  service: string;
  version: string;
  /** host:port */
  address: string;
  instanceId: string;
}

export interface RouterRenderInput {
  listen: { host: string; port: number };
  /** The router's private runtime dir (nginx prefix); logs/ and tmp/ live below it. */
  runtimeDir: string;
  /** Path of ngx_http_js_module.so. */
  njsModulePath: string;
  /** Every live instance (any service); only `api` ones are routed. */
  instances: readonly RouterInstance[];
  /** The API's stable version; undefined before the first release is recorded. */
  stableApiVersion?: string;
  /** API versions whose rollout was aborted: their token holders go to stable. */
  abortedApiVersions: readonly string[];
  proxy: { connectTimeoutMs: number; readTimeoutMs: number; keepaliveConnections: number };
  /**
   * Client keep-alive, seconds. 0 (the default) closes each client connection after its response:
   * a reload closes idle keep-alive connections, and a client that sends on one at that instant
   * sees the connection drop without an answer. Raise it only for clients that retry then.
   */
  clientKeepaliveSeconds?: number;
  /** When nginx starts as root: the user its workers run as. */
  workerUser?: string;
  workerProcesses?: number;
}

export const SERVICE_VERSION = /^[0-9A-Za-z.+-]{1,40}$/;
const ADDRESS = /^[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$/;
const RUNTIME_DIR = /^\/[A-Za-z0-9._/+-]+$/;

export class RouterConfigError extends Error {}

/** What the router sends each version's traffic to: the figures `release status` shows come from here too. */
export interface RouteTable {
  stableVersion: string | undefined;
  /** upstream name -> servers (backup ones marked) */
  upstreams: Array<{ name: string; version: string | undefined; servers: string[]; backups: string[] }>;
  /** token version -> upstream name, only for versions routed to their own instances */
  routes: Array<{ version: string; upstream: string }>;
}

/** The routing decision itself, separate from nginx syntax. */
export function routeTable(input: Pick<RouterRenderInput, 'instances' | 'stableApiVersion' | 'abortedApiVersions'>): RouteTable {
  const byVersion = new Map<string, string[]>();
  for (const instance of input.instances) {
    if (instance.service !== 'api') continue;
    if (!SERVICE_VERSION.test(instance.version)) throw new RouterConfigError(`instance ${instance.instanceId}: bad version "${instance.version}"`);
    if (!ADDRESS.test(instance.address)) throw new RouterConfigError(`instance ${instance.instanceId}: bad address "${instance.address}"`);
    const list = byVersion.get(instance.version) ?? [];
    if (!list.includes(instance.address)) list.push(instance.address);
    byVersion.set(instance.version, list);
  }
  for (const list of byVersion.values()) list.sort();
  const stable = input.stableApiVersion;
  if (stable !== undefined && !SERVICE_VERSION.test(stable)) throw new RouterConfigError(`bad stable version "${stable}"`);
  const aborted = new Set(input.abortedApiVersions);
  // Stable has no live instance (first start, or all gone): serve from whatever API is live rather than fail.
  const stableServers = (stable && byVersion.get(stable)) || [...new Set([...byVersion.values()].flat())].sort();
  const upstreams: RouteTable['upstreams'] = [{ name: 'api_stable', version: stable, servers: stableServers, backups: [] }];
  const routes: RouteTable['routes'] = [];
  const candidates = [...byVersion.keys()].filter((v) => v !== stable && !aborted.has(v)).sort();
  candidates.forEach((version, index) => {
    const name = `api_v${index + 1}`;
    const servers = byVersion.get(version)!;
    upstreams.push({ name, version, servers, backups: stableServers.filter((s) => !servers.includes(s)) });
    routes.push({ version, upstream: name });
  });
  return { stableVersion: stable, upstreams, routes };
}

/** nginx treats any server of an empty group as a config error; an unreachable placeholder makes it answer 502. */
const NO_SERVER = '127.0.0.1:1 down';

function upstreamBlock(upstream: RouteTable['upstreams'][number], keepalive: number): string {
  const lines = upstream.servers.length
    ? upstream.servers.map((s) => `    server ${s} max_fails=1 fail_timeout=2s;`)
    : [`    server ${NO_SERVER};`];
  for (const s of upstream.backups) lines.push(`    server ${s} backup;`);
  return `  upstream ${upstream.name} {
    # version ${upstream.version ?? '(no stable recorded)'}
    least_conn;
${lines.join('\n')}
    keepalive ${keepalive};
    keepalive_timeout 30s;
  }`;
}

function problemLocation(name: string, status: number, title: string): string {
  const body = JSON.stringify({ type: 'https://orderflow.example/problems/upstream-unavailable', title, status });
  return `    location ${name} {
      default_type application/problem+json;
      return ${status} '${body}';
    }`;
}

const GENERATION_PLACEHOLDER = '@@generation@@';

const ms = (value: number) => `${Math.max(1, Math.round(value))}ms`;

export function renderNginxConfig(input: RouterRenderInput): string {
  if (!RUNTIME_DIR.test(input.runtimeDir)) throw new RouterConfigError(`runtime dir must be an absolute plain path, got "${input.runtimeDir}"`);
  if (!Number.isInteger(input.listen.port) || input.listen.port < 1 || input.listen.port > 65535) {
    throw new RouterConfigError(`bad listen port ${input.listen.port}`);
  }
  const table = routeTable(input);
  const dir = input.runtimeDir;
  const stable = table.stableVersion ?? '';
  const quoted = (s: string) => `"${s}"`; // versions and names are checked against a safe pattern above
  const apiMap = table.routes.map((r) => `    ${quoted(r.version)} ${r.upstream};`).join('\n');
  const versionMap = table.routes.map((r) => `    ${quoted(r.version)} ${quoted(r.version)};`).join('\n');
  const { connectTimeoutMs, readTimeoutMs, keepaliveConnections } = input.proxy;
  const proxyCommon = `      proxy_pass http://$orderflow_api_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Request-Id $orderflow_request_id;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_connect_timeout ${ms(connectTimeoutMs)};
      proxy_send_timeout ${ms(readTimeoutMs)};
      proxy_read_timeout ${ms(readTimeoutMs)};
      proxy_next_upstream_tries 3;
      proxy_next_upstream_timeout ${ms(connectTimeoutMs * 3 + readTimeoutMs * 2)};`;

  const conf = `# Generated by the Orderflow router controller from the instance registry and the release state.
# Do not edit: the next change of either overwrites it.
# generation ${GENERATION_PLACEHOLDER}
load_module ${input.njsModulePath};
${input.workerUser ? `user ${input.workerUser};\n` : ''}worker_processes ${input.workerProcesses ?? 1};
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;

events {
  worker_connections 4096;
}

http {
  server_tokens off;
  keepalive_timeout ${input.clientKeepaliveSeconds ?? 0}s;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  client_max_body_size 2m;

  js_path ${dir};
  js_import route from route-token.js;
  js_set $orderflow_token_api route.apiVersion;

  # The token's version, if it has live instances and is not aborted; stable otherwise.
  map $orderflow_token_api $orderflow_api_upstream {
    default api_stable;
${apiMap}
  }
  map $orderflow_token_api $orderflow_api_version {
    default ${quoted(stable)};
${versionMap}
  }
  map $http_x_request_id $orderflow_request_id {
    default $http_x_request_id;
    "" $request_id;
  }

  # One JSON object per request: the controller's analysis reads version, status, timings.
  # Never the token, cookies or Authorization.
  log_format orderflow_json escape=json '{"t":$msec,"rid":"$orderflow_request_id","method":"$request_method",'
    '"uri":"$uri","version":"$orderflow_api_version","status":$status,"request_time":$request_time,'
    '"upstream":"$upstream_addr","upstream_status":"$upstream_status",'
    '"upstream_response_time":"$upstream_response_time"}';
  access_log ${dir}/logs/access.log orderflow_json;

${table.upstreams.map((u) => upstreamBlock(u, keepaliveConnections)).join('\n\n')}

  server {
    listen ${input.listen.host}:${input.listen.port};
    # Errors nginx makes itself (no live instance, timeouts) answer problem+json like the API.
    error_page 502 @bad_gateway;
    error_page 503 @unavailable;
    error_page 504 @gateway_timeout;
    error_page 419 = @non_idempotent;

    location = /router/health {
      access_log off;
      default_type application/json;
      return 200 '{"status":"ok","generation":"${GENERATION_PLACEHOLDER}"}';
    }

    # GET, PUT, DELETE: retried on the next instance on a connection error, a timeout, or a 503
    # from an instance that is shutting down.
    location / {
      if ($request_method = POST) {
        return 419;
      }
${proxyCommon}
      proxy_next_upstream error timeout http_503;
    }

    # POST: every Orderflow POST is idempotent (orders by customerId+clientOrderId, cancel, session),
    # so a connection error or a 503 from a closing instance (nothing processed) is retried, even
    # after the request went out. A timeout is not: the instance may still be working on it, and the
    # client's own retry with the same clientOrderId gets the stored order.
    location @non_idempotent {
${proxyCommon}
      proxy_next_upstream error http_503 non_idempotent;
    }

${problemLocation('@bad_gateway', 502, 'No API instance answered')}
${problemLocation('@unavailable', 503, 'No API instance available')}
${problemLocation('@gateway_timeout', 504, 'The API instance did not answer in time')}
  }
}
`;
  const generation = createHash('sha256').update(conf).digest('hex').slice(0, 16);
  return conf.split(GENERATION_PLACEHOLDER).join(generation);
}

/** The generation a rendered configuration carries (its /router/health answers it once served). */
export function generationOf(nginxConf: string): string {
  const match = /^# generation ([0-9a-f]{16})$/m.exec(nginxConf);
  if (!match) throw new RouterConfigError('not a rendered router configuration');
  return match[1];
}
