import type { Logger } from 'pino';
import { AppConfig, requiredSetting } from '@orderflow/config/app-config';
import { createRedis, waitForRedis } from '@orderflow/locking/redis-connection';
import { createDataSource } from '@orderflow/persistence/data-source';
import { InstanceRegistry } from '../instance-registry';
import { ReleaseService } from '../release.service';
import { RouterController } from './router-controller';

export interface RunningRouter {
  url: string;
  controller: RouterController;
  exited: Promise<unknown> | undefined;
  stop(): Promise<void>;
}

/** Wires the router controller to PostgreSQL (release state, election) and Redis (registry). */
export async function startRouter(config: AppConfig, logger: Logger): Promise<RunningRouter> {
  const databaseUrl = requiredSetting(config.databaseUrl, 'DATABASE_URL');
  const db = await createDataSource({ url: databaseUrl, poolSize: 3, applicationName: 'orderflow-router' }).initialize();
  const redis = createRedis(requiredSetting(config.redisUrl, 'REDIS_URL'));
  await waitForRedis(redis);
  const registry = new InstanceRegistry(redis, config.release.instanceTtlSeconds);
  const releases = new ReleaseService(db, async (service) => (await registry.list(service)).map((i) => i.version));
  const controller = new RouterController({
    port: config.port,
    settings: config.router,
    routeTokenKeys: config.release.routeTokenKeys,
    db,
    databaseUrl,
    redis,
    registry,
    releases,
    logger,
  });
  try {
    await controller.start();
  } catch (error) {
    await controller.stop().catch(() => undefined);
    redis.disconnect();
    await db.destroy().catch(() => undefined);
    throw error;
  }
  return {
    url: controller.url,
    controller,
    exited: controller.exited,
    stop: async () => {
      await controller.stop();
      redis.disconnect();
      await db.destroy().catch(() => undefined);
    },
  };
}
