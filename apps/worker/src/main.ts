import { runApp } from '@orderflow/http/run-app';
import { createWorkerApp } from './worker-app';

/** The SQS worker: `npm run start:worker`. */
void runApp('worker', ['DATABASE_URL', 'REDIS_URL', 'PORT', 'ORDERS_QUEUE_URL', 'ORDERS_DLQ_URL', 'ORDER_EVENTS_QUEUE_URL'], createWorkerApp);
