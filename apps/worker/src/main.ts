import { loadConfig } from '@orderflow/config/app-config';
import { runApp } from '@orderflow/http/run-app';
import { createWorkerApp } from './worker-app';

/** The SQS worker: `npm run start:worker`. */
void runApp(
  'worker',
  () => loadConfig(['DATABASE_URL', 'REDIS_URL', 'PORT', 'ORDERS_QUEUE_URL', 'ORDERS_DLQ_URL', 'ORDER_EVENTS_QUEUE_URL']),
  createWorkerApp,
);
