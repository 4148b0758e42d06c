import { startTestStack } from '../support/test-stack';
import { seedOrders } from './reporting-support';
it('seeds', async () => {
  const stack = await startTestStack();
  try {
    const t = Date.now();
    await seedOrders(stack.env.DATABASE_URL, { prefix: 'bulk', orders: 200000, customers: 20000, start: '2026-10-01T00:00:00Z', days: 28 });
    console.log('seed total', Date.now() - t);
    const t2 = Date.now();
    await stack.postgres.waitForReplicaCatchUp(60000);
    console.log('catchup', Date.now() - t2);
  } finally { await stack.stop(); }
}, 600000);
