import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, redactUrl } from './app-config';

const valid = {
  PORT: '3000',
  DATABASE_URL: 'postgres://orderflow:secret@db:5432/orderflow',
  DATABASE_REPLICA_URL: 'postgresql://orderflow_reporting:secret@replica:5432/orderflow',
  REDIS_URL: 'redis://cache:6379',
};

/** The problems of a configuration that must fail; fails the test if it loads. */
function problemsOf(required: Parameters<typeof loadConfig>[0], env: Record<string, string>): string[] {
  try {
    loadConfig(required, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loading the configuration', () => {
  it('reads a valid environment and fills the documented defaults', () => {
    const config = loadConfig(['PORT', 'DATABASE_URL', 'REDIS_URL'], valid);
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: valid.DATABASE_URL,
      redisUrl: valid.REDIS_URL,
      databasePoolSize: 10,
      lockTtlMs: 5000,
      lockWaitTimeoutMs: 10000,
      maintenanceMode: false,
      logLevel: 'info',
      aws: { region: 'us-east-1' },
    });
  });

  it('names every missing required variable in one error', () => {
    const problems = problemsOf(['PORT', 'DATABASE_URL', 'REDIS_URL', 'ORDERS_QUEUE_URL'], {});
    expect(problems).toEqual(
      expect.arrayContaining([
        'PORT: is required but not set',
        'DATABASE_URL: is required but not set',
        'REDIS_URL: is required but not set',
        'ORDERS_QUEUE_URL: is required but not set',
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('names every bad variable in one error, missing and malformed alike', () => {
    let message = '';
    try {
      loadConfig(['PORT', 'DATABASE_URL', 'REDIS_URL'], {
        PORT: '70000',
        DATABASE_URL: 'mysql://db/orderflow',
        DATABASE_POOL_SIZE: '0',
        LOCK_TTL_MS: '1.5',
        LOCK_WAIT_TIMEOUT_MS: 'soon',
        MAINTENANCE_MODE: 'yes',
        LOG_LEVEL: 'loud',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'DATABASE_POOL_SIZE', 'LOCK_TTL_MS', 'LOCK_WAIT_TIMEOUT_MS', 'MAINTENANCE_MODE', 'LOG_LEVEL']) {
      expect(message).toMatch(new RegExp(`^  - ${name}: `, 'm'));
    }
  });

  it('treats an empty variable as unset', () => {
    expect(problemsOf(['DATABASE_URL'], { DATABASE_URL: '' })).toEqual(['DATABASE_URL: is required but not set']);
    expect(loadConfig([], { DATABASE_POOL_SIZE: '' }).databasePoolSize).toBe(10);
  });

  it('checks only the variables an app needs to be present, but validates every one that is set', () => {
    expect(() => loadConfig(['DATABASE_REPLICA_URL'], { DATABASE_REPLICA_URL: valid.DATABASE_REPLICA_URL })).not.toThrow();
    expect(problemsOf(['DATABASE_REPLICA_URL'], { DATABASE_REPLICA_URL: valid.DATABASE_REPLICA_URL, REDIS_URL: 'cache:6379' })).toEqual([
      'REDIS_URL: must be a redis or rediss URL',
    ]);
  });

  describe('URLs', () => {
    it('accepts postgres:// and postgresql:// for databases, redis:// and rediss:// for Redis', () => {
      const config = loadConfig([], {
        DATABASE_URL: 'postgresql://u@db/x',
        DATABASE_REPLICA_URL: 'postgres://u@replica/x',
        REDIS_URL: 'rediss://cache:6380',
      });
      expect(config).toMatchObject({ databaseUrl: 'postgresql://u@db/x', databaseReplicaUrl: 'postgres://u@replica/x', redisUrl: 'rediss://cache:6380' });
    });

    it('refuses another scheme or a bare host', () => {
      expect(
        problemsOf([], { DATABASE_URL: 'http://db/x', DATABASE_REPLICA_URL: 'replica:5432', REDIS_URL: 'postgres://cache' }),
      ).toEqual([
        'DATABASE_URL: must be a postgres or postgresql URL',
        'DATABASE_REPLICA_URL: must be a postgres or postgresql URL',
        'REDIS_URL: must be a redis or rediss URL',
      ]);
    });
  });

  describe('integers', () => {
    it('accepts the bounds and refuses values beyond them, quoting what was given', () => {
      expect(loadConfig([], { LOCK_TTL_MS: '2000', DATABASE_POOL_SIZE: '500', PORT: '0' })).toMatchObject({
        lockTtlMs: 2000,
        databasePoolSize: 500,
        port: 0,
      });
      expect(problemsOf([], { LOCK_TTL_MS: '1999', DATABASE_POOL_SIZE: '501', PORT: '65536' })).toEqual([
        'PORT: must be a port number, got "65536"',
        'DATABASE_POOL_SIZE: must be an integer between 1 and 500, got "501"',
        'LOCK_TTL_MS: must be an integer between 2000 and 600000, got "1999"',
      ]);
    });

    it('reads the worker\'s CPU niceness (0 unless set, 0..19) and its delete linger (25 ms unless set)', () => {
      expect(loadConfig([], {}).worker).toMatchObject({ cpuNice: 0, deleteLingerMs: 25 });
      expect(loadConfig([], { WORKER_CPU_NICE: '19' }).worker.cpuNice).toBe(19);
      expect(problemsOf([], { WORKER_CPU_NICE: '-1' })).toEqual(['WORKER_CPU_NICE: must be an integer between 0 and 19, got "-1"']);
      expect(problemsOf([], { WORKER_CPU_NICE: '20' })).toEqual(['WORKER_CPU_NICE: must be an integer between 0 and 19, got "20"']);
    });

    it('reads the placement batch (10 orders unless set, 1..100)', () => {
      expect(loadConfig([], {}).placementBatch).toBe(10);
      expect(loadConfig([], { PLACEMENT_BATCH: '1' }).placementBatch).toBe(1);
      expect(problemsOf([], { PLACEMENT_BATCH: '0' })).toEqual(['PLACEMENT_BATCH: must be an integer between 1 and 100, got "0"']);
    });

    it('reads the worker\'s least concurrency, a fraction below 1 being a duty cycle (1 unless set, 0.05..500)', () => {
      expect(loadConfig([], {}).worker.minConcurrency).toBe(1);
      expect(loadConfig([], { WORKER_MIN_CONCURRENCY: '0.5' }).worker.minConcurrency).toBe(0.5);
      expect(problemsOf([], { WORKER_MIN_CONCURRENCY: '0' })).toEqual(['WORKER_MIN_CONCURRENCY: must be a number between 0.05 and 500, got "0"']);
    });

    it('refuses fractions and words', () => {
      expect(problemsOf([], { PORT: '80.5', LOCK_WAIT_TIMEOUT_MS: 'ten' })).toEqual([
        'PORT: must be a port number, got "80.5"',
        'LOCK_WAIT_TIMEOUT_MS: must be an integer between 100 and 600000, got "ten"',
      ]);
    });
  });

  it('reads booleans as true/false or 1/0', () => {
    expect(loadConfig([], { MAINTENANCE_MODE: 'true' }).maintenanceMode).toBe(true);
    expect(loadConfig([], { MAINTENANCE_MODE: '1' }).maintenanceMode).toBe(true);
    expect(loadConfig([], { MAINTENANCE_MODE: '0' }).maintenanceMode).toBe(false);
    expect(problemsOf([], { MAINTENANCE_MODE: 'on' })).toEqual(['MAINTENANCE_MODE: must be true or false, got "on"']);
  });

  describe('<NAME>_FILE variables (container secrets)', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'orderflow-config-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads the value from the named file, without the trailing newline', () => {
      const file = join(dir, 'database-url');
      writeFileSync(file, `${valid.DATABASE_URL}\n`);
      const portFile = join(dir, 'port');
      writeFileSync(portFile, '8080\n');
      const config = loadConfig(['DATABASE_URL', 'PORT'], { DATABASE_URL_FILE: file, PORT_FILE: portFile });
      expect(config.databaseUrl).toBe(valid.DATABASE_URL);
      expect(config.port).toBe(8080);
    });

    it('prefers the file over the plain variable', () => {
      const file = join(dir, 'redis-url');
      writeFileSync(file, 'redis://from-file:6379');
      expect(loadConfig([], { REDIS_URL: 'redis://from-env:6379', REDIS_URL_FILE: file }).redisUrl).toBe('redis://from-file:6379');
    });

    it('validates what the file holds and reports a file that cannot be read', () => {
      const file = join(dir, 'bad-url');
      writeFileSync(file, 'mysql://db');
      const missing = join(dir, 'no-such-file');
      expect(problemsOf(['DATABASE_URL', 'REDIS_URL'], { DATABASE_URL_FILE: file, REDIS_URL_FILE: missing })).toEqual([
        'DATABASE_URL: must be a postgres or postgresql URL',
        `REDIS_URL_FILE: cannot read ${missing} (ENOENT)`,
        'REDIS_URL: is required but not set',
      ]);
    });
  });
});

describe('database connections (TLS, IAM, prepared statements)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orderflow-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to plain connections, password auth and named prepared statements', () => {
    expect(loadConfig([], {}).database).toEqual({ tls: 'disable', iamAuth: false, preparedStatements: true, region: 'us-east-1' });
  });

  it('reads TLS with the RDS CA, IAM auth in the configured region, and prepared statements off', () => {
    const ca = join(dir, 'rds-ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const config = loadConfig([], {
      DATABASE_URL: 'postgres://orderflow_app@cluster.example:5432/orderflow',
      DATABASE_TLS: 'verify-full',
      DATABASE_CA_FILE: ca,
      DATABASE_IAM_AUTH: 'true',
      DATABASE_PREPARED_STATEMENTS: 'false',
      AWS_REGION: 'eu-west-1',
    });
    expect(config.database).toEqual({
      tls: 'verify-full',
      caCertificate: expect.stringContaining('BEGIN CERTIFICATE'),
      iamAuth: true,
      preparedStatements: false,
      region: 'eu-west-1',
    });
  });

  it('names every inconsistent or bad database setting', () => {
    const notPem = join(dir, 'not-a-cert.pem');
    writeFileSync(notPem, 'hello');
    expect(problemsOf([], { DATABASE_TLS: 'prefer', DATABASE_PREPARED_STATEMENTS: 'no' })).toEqual([
      'DATABASE_PREPARED_STATEMENTS: must be true or false, got "no"',
      'DATABASE_TLS: must be one of disable, require, verify-full, got "prefer"',
    ]);
    expect(problemsOf([], { DATABASE_CA_FILE: notPem })).toEqual(['DATABASE_CA_FILE: set, but DATABASE_TLS is disable']);
    expect(problemsOf([], { DATABASE_TLS: 'verify-full', DATABASE_CA_FILE: notPem })).toEqual([`DATABASE_CA_FILE: ${notPem} holds no PEM certificate`]);
    expect(problemsOf([], { DATABASE_TLS: 'require', DATABASE_CA_FILE: join(dir, 'missing.pem') })).toEqual([
      `DATABASE_CA_FILE: cannot read ${join(dir, 'missing.pem')} (ENOENT)`,
    ]);
    expect(problemsOf([], { DATABASE_TLS: 'require', DATABASE_URL: 'postgres://u@db/x?sslmode=disable' })).toEqual([
      'DATABASE_URL: has sslmode; remove it, DATABASE_TLS sets TLS',
    ]);
  });

  it('refuses IAM auth without TLS, or with a password in a database URL, without echoing the password', () => {
    const problems = problemsOf([], {
      DATABASE_IAM_AUTH: 'true',
      DATABASE_URL: 'postgres://orderflow_app:s3cret@cluster.example/orderflow',
      DATABASE_REPLICA_URL: 'postgres://orderflow_reporting@reader.example/orderflow',
    });
    expect(problems).toEqual([
      'DATABASE_IAM_AUTH: needs DATABASE_TLS=require or verify-full (RDS accepts IAM tokens over TLS only)',
      'DATABASE_URL: must carry no password when DATABASE_IAM_AUTH=true (the IAM token is the password)',
    ]);
    expect(problems.join('\n')).not.toContain('s3cret');
  });
});

describe('release settings', () => {
  const secret = 's'.repeat(32);

  it('defaults the version to package.json and the release settings to the documented values', () => {
    const config = loadConfig([], {});
    expect(config.version).toBe(require('../../../package.json').version);
    expect(config.release).toEqual({ routeTokenKeys: [], routeTokenTtlSeconds: 3600, instanceTtlSeconds: 10, advertiseHost: '127.0.0.1', deregisterGraceMs: 1500 });
  });

  it('reads ORDERFLOW_VERSION and the route token keys, first one first', () => {
    const config = loadConfig([], { ORDERFLOW_VERSION: '2.0.0-rc.1+b7', ROUTE_TOKEN_KEYS: `new:${secret}x,old:${secret}`, ROUTE_TOKEN_TTL_SECONDS: '600' });
    expect(config.version).toBe('2.0.0-rc.1+b7');
    expect(config.release.routeTokenKeys).toEqual([{ id: 'new', secret: `${secret}x` }, { id: 'old', secret }]);
    expect(config.release.routeTokenTtlSeconds).toBe(600);
  });

  it('names a malformed version, key list, TTL or host, and never the secret', () => {
    const problems = problemsOf([], {
      ORDERFLOW_VERSION: '2.0 beta',
      ROUTE_TOKEN_KEYS: 'k1:short-secret',
      INSTANCE_TTL_SECONDS: '1',
      ADVERTISE_HOST: 'a host',
    });
    expect(problems).toEqual([
      'ORDERFLOW_VERSION: must be 1..40 chars of [0-9A-Za-z.+-], got "2.0 beta"',
      'ROUTE_TOKEN_KEYS: key k1: the secret must be at least 32 characters',
      'ADVERTISE_HOST: must be a host name or IP address, got "a host"',
      'INSTANCE_TTL_SECONDS: must be an integer between 3 and 3600, got "1"',
    ]);
    expect(problems.join()).not.toContain('short-secret');
  });
});

describe('redactUrl', () => {
  it('masks the password and keeps the rest for diagnosis', () => {
    expect(redactUrl('postgres://orderflow:s3cret@db:5432/orderflow?sslmode=require')).toBe(
      'postgres://orderflow:***@db:5432/orderflow?sslmode=require',
    );
    const redis = redactUrl('redis://:p%40ss@cache:6379/0');
    expect(redis).toBe('redis://:***@cache:6379/0');
  });

  it('leaves a URL without password as it is', () => {
    expect(redactUrl('redis://cache:6379')).toBe('redis://cache:6379');
  });

  it('never echoes a value it cannot parse, which may hold a secret', () => {
    expect(redactUrl('postgres://orderflow:s3cret@db:99999/orderflow')).toBe('<unparseable url>');
  });
});

describe('router settings', () => {
  it('defaults to the documented values, with a runtime dir of its own per port', () => {
    const { router } = loadConfig([], valid);
    expect(router).toMatchObject({
      runtimeDir: join(tmpdir(), 'orderflow-router-3000'),
      listenHost: '0.0.0.0',
      connectTimeoutMs: 1000,
      readTimeoutMs: 30000,
      clientKeepaliveSeconds: 0,
      pollMs: 1000,
      bounds: { maxErrorRateDelta: 0.01, maxTimeoutRateDelta: 0.01, maxP95Ratio: 1.5, p95FloorMs: 50, minRequests: 50 },
    });
  });

  it('reads fractional bounds and refuses what nginx or the analysis cannot take', () => {
    expect(loadConfig([], { ...valid, RELEASE_MAX_5XX_RATE_DELTA: '0.005', RELEASE_MAX_P95_RATIO: '2.5' }).router.bounds).toMatchObject({
      maxErrorRateDelta: 0.005,
      maxP95Ratio: 2.5,
    });
    expect(problemsOf([], { ...valid, ROUTER_RUNTIME_DIR: 'relative/dir', RELEASE_MAX_P95_RATIO: '0.5', RELEASE_MAX_5XX_RATE_DELTA: 'lots', ROUTER_LISTEN_HOST: 'a b' })).toEqual([
      'RELEASE_MAX_5XX_RATE_DELTA: must be a number between 0 and 1, got "lots"',
      'RELEASE_MAX_P95_RATIO: must be a number between 1 and 1000, got "0.5"',
      'ROUTER_RUNTIME_DIR: must be an absolute path of [A-Za-z0-9._/+-]',
      'ROUTER_LISTEN_HOST: must be a host name or IP address',
    ]);
  });
});
