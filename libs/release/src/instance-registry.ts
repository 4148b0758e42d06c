import type Redis from 'ioredis';
import { Service, isService } from './release-types';

/** One live app instance, as the router and `npm run release -- instances` see it. */
export interface InstanceRecord {
  service: Service;
  version: string;
  /** host:port the router connects to. */
  address: string;
  instanceId: string;
  startedAt: string;
}

export const INSTANCE_KEY_PREFIX = 'orderflow:instance:';
/** Sorted set of `<service>:<instanceId>` scored by expiry (ms), for listing without SCAN. */
export const INSTANCES_KEY = 'orderflow:instances';
/** Join and leave announcements, so that the router re-renders at once instead of at its next poll. */
export const REGISTRY_CHANNEL = 'orderflow:registry';

export interface RegistryEvent {
  event: 'join' | 'leave';
  instance: InstanceRecord;
}

const member = (instance: Pick<InstanceRecord, 'service' | 'instanceId'>) => `${instance.service}:${instance.instanceId}`;
const keyOf = (memberName: string) => `${INSTANCE_KEY_PREFIX}${memberName}`;

/**
 * The instance registry in Redis: a key per instance with a TTL that its heartbeat renews, so a
 * crashed instance disappears within the TTL, plus a sorted set to list them.
 */
export class InstanceRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  /** Writes (or renews) the instance's entry; announces a join when the entry was not there. */
  async heartbeat(instance: InstanceRecord): Promise<void> {
    const ttlMs = this.ttlSeconds * 1000;
    const name = member(instance);
    const value = JSON.stringify(instance);
    const renewed = await this.redis.set(keyOf(name), value, 'PX', ttlMs, 'XX');
    if (renewed === null) await this.redis.set(keyOf(name), value, 'PX', ttlMs);
    await this.redis.zadd(INSTANCES_KEY, Date.now() + ttlMs, name);
    if (renewed === null) await this.announce({ event: 'join', instance });
  }

  async deregister(instance: InstanceRecord): Promise<void> {
    const name = member(instance);
    await this.redis.multi().del(keyOf(name)).zrem(INSTANCES_KEY, name).exec();
    await this.announce({ event: 'leave', instance });
  }

  /** The live instances, by service then start; members whose key expired are dropped. */
  async list(service?: Service): Promise<InstanceRecord[]> {
    const members = await this.redis.zrange(INSTANCES_KEY, 0, -1);
    if (members.length === 0) return [];
    const values = await this.redis.mget(members.map(keyOf));
    const gone = members.filter((_, index) => values[index] === null);
    if (gone.length) await this.redis.zrem(INSTANCES_KEY, ...gone);
    return values
      .filter((value): value is string => value !== null)
      .map((value) => JSON.parse(value) as InstanceRecord)
      .filter((instance) => isService(instance.service) && (service === undefined || instance.service === service))
      .sort((a, b) => a.service.localeCompare(b.service) || a.startedAt.localeCompare(b.startedAt));
  }

  private async announce(event: RegistryEvent): Promise<void> {
    await this.redis.publish(REGISTRY_CHANNEL, JSON.stringify(event));
  }
}

/**
 * One instance's membership: joins, renews every third of the TTL (a missed renewal or two does
 * not drop it), and leaves. Redis failures are reported and retried at the next beat.
 */
export class InstanceMembership {
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;

  constructor(
    private readonly registry: InstanceRegistry,
    readonly instance: InstanceRecord,
    private readonly ttlSeconds: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  async join(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), Math.max(200, (this.ttlSeconds * 1000) / 3));
    this.timer.unref();
  }

  async leave(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    await this.registry.deregister(this.instance).catch(this.onError);
  }

  private beat(): Promise<void> {
    this.beating = this.registry.heartbeat(this.instance).catch(this.onError);
    return this.beating;
  }
}
