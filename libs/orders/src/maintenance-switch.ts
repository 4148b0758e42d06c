import type Redis from 'ioredis';
import { maintenanceModeGauge } from '@orderflow/observability/metrics';

const KEY = 'orderflow:maintenance';
const REFRESH_MS = 1000;

/**
 * Maintenance mode: while on, the API enqueues orders instead of processing them. On when
 * MAINTENANCE_MODE=true, or when an operator switches it on through the admin route; that
 * switch lives in Redis so that every API instance follows it within a second. If Redis is
 * unreachable the last known value is kept (processing would fail and enqueue anyway).
 */
export class MaintenanceSwitch {
  private switchedOn = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly forcedByEnvironment: boolean,
  ) {}

  isOn(): boolean {
    return this.forcedByEnvironment || this.switchedOn;
  }

  status(): { enabled: boolean; source: 'environment' | 'admin' | 'off' } {
    return { enabled: this.isOn(), source: this.forcedByEnvironment ? 'environment' : this.switchedOn ? 'admin' : 'off' };
  }

  async set(enabled: boolean): Promise<void> {
    if (enabled) await this.redis.set(KEY, new Date().toISOString());
    else await this.redis.del(KEY);
    this.switchedOn = enabled;
    this.publish();
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    try {
      this.switchedOn = (await this.redis.exists(KEY)) === 1;
      this.publish();
    } catch {
      // keep the last known value
    }
  }

  private publish(): void {
    maintenanceModeGauge.set(this.isOn() ? 1 : 0);
  }
}
