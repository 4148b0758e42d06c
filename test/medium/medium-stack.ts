import { randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import Redis from 'ioredis';
import { Client, escapeIdentifier, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource } from '@orderflow/persistence/data-source';
import { ORDER_SESSION_OPTIONS } from '@orderflow/persistence/order-session';
import { eventually } from '../support/eventually';
import { MEDIUM_ENV } from './medium-env';

export interface MediumStack {
  /** This suite's own database, a copy of the migrated template. */
  db: DataSource;
  databaseUrl: string;
  /** This suite's own Redis logical database. */
  redis: Redis;
  redisUrl: string;
  sqs: SQSClient;
  sqsEndpoint: string;
  /**
   * A plain pg connection to the suite's database with the order sessions' planner settings (the
   * shape the raw lane's pgManager takes), ended by close().
   */
  connect(): Promise<PoolClient>;
  /** Resolves once `client`'s running statement waits for a row or table lock another session holds. */
  waitsForLock(client: PoolClient, what: string): Promise<void>;
  close(): Promise<void>;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: medium tests run under jest's "medium" project (test/medium/global-setup.ts)`);
  return value;
}

async function admin<T>(sql: string): Promise<T[]> {
  const client = new Client({ connectionString: required(MEDIUM_ENV.adminUrl) });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Script calls Redis ran so far (INFO commandstats), whatever the connection: every suite's. */
export async function scriptCalls(stack: MediumStack): Promise<number> {
  const info = await stack.redis.info('commandstats');
  return [...info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((sum, [, calls]) => sum + Number(calls), 0);
}

/**
 * A suite's slice of the medium tier's services: its own database (CREATE DATABASE ... TEMPLATE,
 * a file copy: far cheaper than migrating), its own Redis database number, the shared emulator.
 */
export async function mediumStack(): Promise<MediumStack> {
  const name = `suite_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await admin(`CREATE DATABASE ${escapeIdentifier(name)} TEMPLATE ${escapeIdentifier(required(MEDIUM_ENV.template))}`);
  const databaseUrl = required(MEDIUM_ENV.adminUrl).replace(/\/postgres$/, `/${name}`);
  const db = await createDataSource({ url: databaseUrl, poolSize: 6, applicationName: 'orderflow-medium' }).initialize();

  const shared = new Redis(required(MEDIUM_ENV.redisUrl));
  const dbIndex = 1 + ((await shared.incr('orderflow-medium:next-db')) % 15);
  shared.disconnect();
  const redisUrl = `${required(MEDIUM_ENV.redisUrl)}/${dbIndex}`;
  const redis = new Redis(redisUrl);
  await redis.flushdb();

  const sqsEndpoint = required(MEDIUM_ENV.sqsEndpoint);
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: sqsEndpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const clients: Client[] = [];
  return {
    db,
    databaseUrl,
    redis,
    redisUrl,
    sqs,
    sqsEndpoint,
    connect: async () => {
      const client = new Client({ connectionString: databaseUrl, options: ORDER_SESSION_OPTIONS });
      await client.connect();
      clients.push(client);
      return client as unknown as PoolClient;
    },
    waitsForLock: (client, what) => {
      const pid = (client as unknown as { processID: number }).processID;
      return eventually(what, async () => {
        const [activity] = await db.query(`SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`, [pid]);
        return activity?.wait_event_type === 'Lock';
      });
    },
    close: async () => {
      await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
      sqs.destroy();
      redis.disconnect();
      await db.destroy();
      await admin(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
    },
  };
}
