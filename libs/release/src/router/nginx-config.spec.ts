import { RouterConfigError, RouterRenderInput, generationOf, renderNginxConfig, routeTable } from './nginx-config';

const api = (version: string, port: number) => ({ service: 'api', version, address: `127.0.0.1:${port}`, instanceId: `${version}-${port}` });
const input = (overrides: Partial<RouterRenderInput> = {}): RouterRenderInput => ({
  listen: { host: '127.0.0.1', port: 3000 },
  runtimeDir: '/run/orderflow-router',
  njsModulePath: '/usr/lib/nginx/modules/ngx_http_js_module.so',
  instances: [api('1.0.0', 4001), api('1.0.0', 4002), api('2.0.0', 4003), api('2.0.0', 4004), { ...api('9.9.9', 5000), service: 'worker' }],
  stableApiVersion: '1.0.0',
  abortedApiVersions: [],
  proxy: { connectTimeoutMs: 1000, readTimeoutMs: 30000, keepaliveConnections: 32 },
  ...overrides,
});

describe('routeTable', () => {
  it("gives each live non-stable version its own upstream, with stable's instances as backup", () => {
    expect(routeTable(input())).toEqual({
      stableVersion: '1.0.0',
      upstreams: [
        { name: 'api_stable', version: '1.0.0', servers: ['127.0.0.1:4001', '127.0.0.1:4002'], backups: [] },
        { name: 'api_v1', version: '2.0.0', servers: ['127.0.0.1:4003', '127.0.0.1:4004'], backups: ['127.0.0.1:4001', '127.0.0.1:4002'] },
      ],
      routes: [{ version: '2.0.0', upstream: 'api_v1' }],
    });
  });

  it('routes an aborted candidate to stable: no route of its own', () => {
    expect(routeTable(input({ abortedApiVersions: ['2.0.0'] })).routes).toEqual([]);
  });

  it('serves from every live API instance while no stable version is recorded or stable has none', () => {
    const table = routeTable(input({ stableApiVersion: undefined }));
    expect(table.upstreams[0].servers).toEqual(['127.0.0.1:4001', '127.0.0.1:4002', '127.0.0.1:4003', '127.0.0.1:4004']);
    expect(routeTable(input({ stableApiVersion: '0.9.0' })).upstreams[0].servers).toHaveLength(4);
  });

  it('refuses versions and addresses that could inject nginx syntax', () => {
    expect(() => routeTable(input({ instances: [api('1.0.0"; }', 1)] }))).toThrow(RouterConfigError);
    expect(() => routeTable(input({ instances: [{ ...api('1.0.0', 1), address: '127.0.0.1:1; include /etc/passwd' }] }))).toThrow(RouterConfigError);
    expect(() => routeTable(input({ stableApiVersion: 'a b' }))).toThrow(RouterConfigError);
  });
});

describe('renderNginxConfig', () => {
  const conf = renderNginxConfig(input());

  it('maps token versions to upstreams, defaulting to stable', () => {
    expect(conf).toContain('map $orderflow_token_api $orderflow_api_upstream {\n    default api_stable;\n    "2.0.0" api_v1;\n  }');
    expect(conf).toContain('map $orderflow_token_api $orderflow_api_version {\n    default "1.0.0";\n    "2.0.0" "2.0.0";\n  }');
  });

  it('balances by least connections with keepalive, backups last', () => {
    expect(conf).toMatch(/upstream api_v1 \{\n.*\n    least_conn;\n    server 127.0.0.1:4003 max_fails=1 fail_timeout=2s;\n    server 127.0.0.1:4004 max_fails=1 fail_timeout=2s;\n    server 127.0.0.1:4001 backup;\n    server 127.0.0.1:4002 backup;\n    keepalive 32;/);
  });

  it('retries POST on connection errors and 503 only, other methods on timeouts too', () => {
    expect(conf).toContain('proxy_next_upstream error timeout http_503;');
    expect(conf).toContain('proxy_next_upstream error http_503 non_idempotent;');
    expect(conf).toMatch(/if \(\$request_method = POST\) \{\n\s+return 419;/);
  });

  it('keeps everything in the runtime dir and never logs the token', () => {
    expect(conf).not.toContain('/etc/nginx');
    expect(conf).toContain('pid /run/orderflow-router/nginx.pid;');
    expect(conf).toContain('access_log /run/orderflow-router/logs/access.log orderflow_json;');
    const logFormat = conf.slice(conf.indexOf('log_format'), conf.indexOf('access_log'));
    expect(logFormat).toContain('"version":"$orderflow_api_version"');
    expect(logFormat).not.toMatch(/cookie|orderflow_route|authorization|request_uri|args/i);
  });

  it('names its generation, which changes with the routing and only with it', () => {
    expect(generationOf(conf)).toMatch(/^[0-9a-f]{16}$/);
    expect(conf).toContain(`"generation":"${generationOf(conf)}"`);
    expect(generationOf(renderNginxConfig(input()))).toBe(generationOf(conf));
    expect(generationOf(renderNginxConfig(input({ abortedApiVersions: ['2.0.0'] })))).not.toBe(generationOf(conf));
  });

  it('answers with a placeholder that fails (502) when no API instance is live', () => {
    expect(renderNginxConfig(input({ instances: [] }))).toContain('server 127.0.0.1:1 down;');
  });
});
