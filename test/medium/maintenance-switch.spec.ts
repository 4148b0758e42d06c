import Redis from 'ioredis';
import { MaintenanceSwitch } from '@orderflow/orders/maintenance-switch';
import { eventually } from '../support/eventually';
import { mediumStack, MediumStack } from './medium-stack';

describe('maintenance switch (shared through Redis)', () => {
  let stack: MediumStack;
  const switches: MaintenanceSwitch[] = [];
  const connections: Redis[] = [];
  const instance = (forcedByEnvironment = false) => {
    const redis = new Redis(stack.redisUrl);
    connections.push(redis);
    const maintenance = new MaintenanceSwitch(redis, forcedByEnvironment);
    maintenance.start();
    switches.push(maintenance);
    return maintenance;
  };

  beforeAll(async () => {
    stack = await mediumStack();
  });

  afterAll(async () => {
    switches.forEach((s) => s.stop());
    connections.forEach((c) => c.disconnect());
    await stack.close();
  });

  it('an operator’s switch on one instance reaches every other instance, on and off', async () => {
    const [first, second] = [instance(), instance()];
    expect([first.isOn(), second.isOn()]).toEqual([false, false]);
    await first.set(true);
    expect(first.status()).toEqual({ enabled: true, source: 'admin' });
    await eventually('the other instance follows', async () => second.isOn(), 5000, 50);
    await second.set(false);
    await eventually('the first instance follows', async () => !first.isOn(), 5000, 50);
  });

  it('MAINTENANCE_MODE=true keeps an instance in maintenance whatever the admin switch says', async () => {
    const forced = instance(true);
    const other = instance();
    await other.set(false);
    expect(forced.status()).toEqual({ enabled: true, source: 'environment' });
  });
});
