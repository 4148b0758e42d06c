import { AlarmThresholds, DEFAULT_THRESHOLDS } from './alarms';
import { Sizing } from './services';

/** What shapes one environment, fixed at synthesis (context `orderflow:env` and `orderflow:settings`). */
export interface OrderflowSettings {
  readonly envName: string;
  readonly zones: number;
  readonly natGatewayPerZone: boolean;
  readonly dbInstanceClass: string;
  readonly dbReaders: number;
  readonly dbBackupDays: number;
  readonly cacheNodeType: string;
  readonly cacheReplicas: number;
  readonly logRetentionDays: number;
  readonly routerTasks: number;
  readonly reportingTasks: number;
  readonly api: { minTasks: number; maxTasks: number; cpuTargetPercent: number };
  readonly worker: { minTasks: number; maxTasks: number; backlogPerTask: number; oldestMessageSeconds: number };
  readonly sizes: { router: Sizing; api: Sizing; worker: Sizing; reporting: Sizing };
  readonly thresholds: AlarmThresholds;
}

export const DEFAULT_SETTINGS: OrderflowSettings = {
  envName: 'prod',
  zones: 2,
  natGatewayPerZone: true,
  dbInstanceClass: 'r7g.large',
  dbReaders: 1,
  dbBackupDays: 14,
  cacheNodeType: 'cache.r7g.large',
  cacheReplicas: 1,
  logRetentionDays: 30,
  routerTasks: 2,
  reportingTasks: 2,
  api: { minTasks: 2, maxTasks: 12, cpuTargetPercent: 60 },
  // One worker task processes a few hundred orders/s: 1,000 waiting is a few seconds of work.
  worker: { minTasks: 2, maxTasks: 12, backlogPerTask: 1000, oldestMessageSeconds: 60 },
  sizes: {
    router: { cpu: 512, memoryMiB: 1024 },
    api: { cpu: 1024, memoryMiB: 2048 },
    worker: { cpu: 1024, memoryMiB: 2048 },
    reporting: { cpu: 512, memoryMiB: 1024 },
  },
  thresholds: DEFAULT_THRESHOLDS,
};

const ENV_NAME = /^[a-z][a-z0-9-]{1,15}$/;

/** The defaults, the environment's name and any overrides given as a JSON object, validated. */
export function resolveSettings(envName: unknown, overrides: unknown): OrderflowSettings {
  const name = envName === undefined ? DEFAULT_SETTINGS.envName : envName;
  if (typeof name !== 'string' || !ENV_NAME.test(name)) {
    throw new Error(`orderflow:env must match ${ENV_NAME} (it names resources and the bundles' encryption context), got ${JSON.stringify(name)}`);
  }
  const extra = typeof overrides === 'string' ? JSON.parse(overrides) : (overrides ?? {});
  if (typeof extra !== 'object' || Array.isArray(extra)) throw new Error('orderflow:settings must be a JSON object');
  const settings = { ...DEFAULT_SETTINGS, ...extra, envName: name } as OrderflowSettings;
  if (settings.zones < 2 || settings.zones > 3) throw new Error('zones must be 2 or 3 (Multi-AZ database and cache)');
  if (settings.dbReaders < 1) throw new Error('dbReaders must be at least 1 (reporting and the export read the reader)');
  if (settings.cacheReplicas < 1) throw new Error('cacheReplicas must be at least 1 (automatic failover)');
  return settings;
}
