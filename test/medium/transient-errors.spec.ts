import { Client } from 'pg';
import Redis from 'ioredis';
import { isTransientError } from '@orderflow/orders/order-errors';
import { freePort } from '@orderflow/devstack/free-port';
import { mediumStack, MediumStack } from './medium-stack';

/** The classifier against the errors real servers and drivers raise, not hand-made objects. */
describe('transient-error classifier on real failures', () => {
  let stack: MediumStack;
  const clients: Client[] = [];
  const connect = async () => {
    const client = new Client({ connectionString: stack.databaseUrl });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  };
  const failure = async (work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      return error;
    }
    throw new Error('expected a failure');
  };

  beforeAll(async () => {
    stack = await mediumStack();
    await stack.db.query(`CREATE TABLE classifier_probe (id int PRIMARY KEY, v int)`);
    await stack.db.query(`INSERT INTO classifier_probe VALUES (1, 0), (2, 0)`);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await stack.close();
  });

  it('retries a write refused by a read-only server (25006, what a failover throws)', async () => {
    const client = await connect();
    await client.query('BEGIN READ ONLY'); // the same refusal a standby or an Aurora reader gives
    const readOnly = await failure(() => client.query('UPDATE classifier_probe SET v = v + 1 WHERE id = 1'));
    await client.query('ROLLBACK');
    expect((readOnly as { code: string }).code).toBe('25006');
    expect(isTransientError(readOnly)).toBe(true);
  });

  it('retries a deadlock (40P01) and a serialization failure (40001)', async () => {
    const [a, b] = [await connect(), await connect()];
    await a.query('BEGIN');
    await b.query('BEGIN');
    await a.query('UPDATE classifier_probe SET v = v + 1 WHERE id = 1');
    await b.query('UPDATE classifier_probe SET v = v + 1 WHERE id = 2');
    const crossing = [a.query('UPDATE classifier_probe SET v = v + 1 WHERE id = 2').catch((e) => e), b.query('UPDATE classifier_probe SET v = v + 1 WHERE id = 1').catch((e) => e)];
    const deadlock: unknown = (await Promise.all(crossing)).find((result) => result instanceof Error);
    await Promise.all([a.query('ROLLBACK'), b.query('ROLLBACK')]);
    expect((deadlock as { code: string }).code).toBe('40P01');
    expect(isTransientError(deadlock)).toBe(true);

    await a.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
    await b.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
    await a.query('SELECT v FROM classifier_probe WHERE id = 1');
    await b.query('SELECT v FROM classifier_probe WHERE id = 1');
    await a.query('UPDATE classifier_probe SET v = v + 1 WHERE id = 1');
    await a.query('COMMIT');
    const serialization = await failure(() => b.query('UPDATE classifier_probe SET v = v + 1 WHERE id = 1'));
    await b.query('ROLLBACK');
    expect((serialization as { code: string }).code).toBe('40001');
    expect(isTransientError(serialization)).toBe(true);
  });

  it('retries a connection the server terminated (57P01) and a refused connection', async () => {
    const victim = await connect();
    const [{ pid }] = (await victim.query('SELECT pg_backend_pid() AS pid')).rows;
    const terminated = victim.query('SELECT pg_sleep(10)').catch((e) => e);
    await stack.db.query('SELECT pg_terminate_backend($1)', [pid]);
    const error = await terminated;
    expect(isTransientError(error)).toBe(true);

    const nobody = new Client({ host: '127.0.0.1', port: await freePort(), user: 'postgres', connectionTimeoutMillis: 2000 });
    const refused = await failure(() => nobody.connect());
    expect(isTransientError(refused)).toBe(true);
  });

  it('does not retry what will fail again: a constraint, a syntax error, a missing table', async () => {
    const client = await connect();
    for (const sql of ['INSERT INTO classifier_probe VALUES (1, 0)', 'SELEC 1', 'SELECT * FROM no_such_table']) {
      const error = await failure(() => client.query(sql));
      expect(isTransientError(error)).toBe(false);
    }
  });

  it('retries a Redis command that cannot reach the server', async () => {
    const redis = new Redis({ port: await freePort(), maxRetriesPerRequest: 1, retryStrategy: () => 50, lazyConnect: true });
    redis.on('error', () => undefined);
    const error = await failure(() => redis.get('anything'));
    redis.disconnect();
    expect(isTransientError(error)).toBe(true);
  });
});
