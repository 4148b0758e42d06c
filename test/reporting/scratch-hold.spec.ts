import { writeFileSync } from 'node:fs';
import { startTestStack } from '../support/test-stack';
import { seedOrders, reportingReplicaUrl } from './reporting-support';
it('holds a seeded stack', async () => {
  const stack = await startTestStack();
  try {
    await seedOrders(stack.env.DATABASE_URL, { prefix: 'bulk', orders: 200000, customers: 20000, start: '2026-10-01T00:00:00Z', days: 28 });
    await stack.postgres.waitForReplicaCatchUp(60000);
    writeFileSync('/tmp/hold-env.json', JSON.stringify({ ...stack.env, REPORTING_URL: reportingReplicaUrl(stack) }));
    await new Promise((r) => setTimeout(r, 40 * 60 * 1000));
  } finally { await stack.stop(); }
}, 45 * 60 * 1000);
