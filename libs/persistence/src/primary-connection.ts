import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig, requiredSetting } from '@orderflow/config/app-config';
import { createDataSource } from './data-source';
import { ORDER_SESSION_OPTIONS } from './order-session';

export type PrimaryDataSource = DataSource & {
  /** Resolves once connected. */
  connected: Promise<void>;
  stopConnecting(): void;
};

/**
 * Connects to the primary database without making it a condition of starting: if PostgreSQL is
 * down (maintenance), the app starts anyway, keeps retrying in the background, and until then
 * every query fails as transient, so the API queues orders (202) and the worker retries.
 */
export function connectPrimary(config: AppConfig, applicationName: string): PrimaryDataSource {
  const logger = new Logger('Database');
  const dataSource = createDataSource({
    url: requiredSetting(config.databaseUrl, 'DATABASE_URL'),
    poolSize: config.databasePoolSize,
    applicationName,
    password: () => config.credentials.password('DATABASE_URL'),
    connection: config.database,
    sessionOptions: ORDER_SESSION_OPTIONS,
  });
  let stopped = false;
  const connect = async (attempt: number): Promise<void> => {
    if (stopped) return;
    try {
      await dataSource.initialize();
    } catch (error) {
      if (attempt === 1) logger.warn(`PostgreSQL unreachable (${(error as Error).message}); retrying in the background`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * attempt, 5000)).unref());
      return connect(attempt + 1);
    }
  };
  const connected = connect(1);
  return Object.assign(dataSource, {
    connected,
    stopConnecting: () => void (stopped = true),
  });
}
