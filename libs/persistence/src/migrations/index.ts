import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { Reporting1764000001000 } from './1764000001000-reporting';
import { Releases1764000010000 } from './1764000010000-releases';
import { CoveringOrderItemsKey1764000020000 } from './1764000020000-covering-order-items-key';
import { ApiKeyRateLimits1764000021000 } from './1764000021000-api-key-rate-limits';
import { HotRowStorage1764000022000 } from './1764000022000-hot-row-storage';
import { PlacementBatchGuard1764000023000 } from './1764000023000-placement-batch-guard';

/** Every migration, oldest first; `npm run migrate` applies the pending ones. */
export const MIGRATIONS = [InitialSchema1764000000000, Reporting1764000001000, Releases1764000010000, CoveringOrderItemsKey1764000020000, ApiKeyRateLimits1764000021000, HotRowStorage1764000022000, PlacementBatchGuard1764000023000];
