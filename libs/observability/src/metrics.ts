import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process; every app exposes it at GET /metrics. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequestDuration = new Histogram({
  name: 'orderflow_http_request_duration_seconds',
  help: 'HTTP request latency by route and status code',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: latencyBuckets,
  registers: [metricsRegistry],
});

export const orderProcessingDuration = new Histogram({
  name: 'orderflow_order_processing_duration_seconds',
  help: 'Time to process one order command (lock wait included), by operation and source',
  labelNames: ['operation', 'source'] as const,
  buckets: latencyBuckets,
  registers: [metricsRegistry],
});

export const lockWaitDuration = new Histogram({
  name: 'orderflow_lock_wait_seconds',
  help: 'Time spent waiting for the per-customer lock',
  buckets: latencyBuckets,
  registers: [metricsRegistry],
});

export const orderOutcomes = new Counter({
  name: 'orderflow_order_outcomes_total',
  help: 'Processed order commands by resulting status and rejection reason',
  labelNames: ['status', 'reason', 'source'] as const,
  registers: [metricsRegistry],
});

export const staleLockCommits = new Counter({
  name: 'orderflow_fenced_commits_total',
  help: 'Commits refused because a newer lock holder had written (fencing)',
  registers: [metricsRegistry],
});

export const placementBatchSize = new Histogram({
  name: 'orderflow_placement_batch_orders',
  help: 'Orders per placement batch (PLACEMENT_BATCH): one database statement and commit each',
  buckets: [1, 2, 3, 5, 8, 13, 20, 50, 100],
  registers: [metricsRegistry],
});

export const placementBatchFallbacks = new Counter({
  name: 'orderflow_placement_batch_fallbacks_total',
  help: 'Placement batches found out of date when written (nothing written; their orders were then placed one by one)',
  registers: [metricsRegistry],
});

export const maintenanceModeGauge = new Gauge({
  name: 'orderflow_maintenance_mode',
  help: '1 while the API enqueues orders instead of processing them',
  registers: [metricsRegistry],
});

// --- SQS worker ---
export const messagesReceived = new Counter({
  name: 'orderflow_sqs_messages_received_total',
  help: 'Messages received from the orders queue',
  registers: [metricsRegistry],
});

export const messagesProcessed = new Counter({
  name: 'orderflow_sqs_messages_processed_total',
  help: 'Messages whose outcome was committed and that were deleted, by message type',
  labelNames: ['type'] as const,
  registers: [metricsRegistry],
});

export const messagesRetried = new Counter({
  name: 'orderflow_sqs_messages_retried_total',
  help: 'Messages left on the queue after a transient failure, to be retried after a backoff',
  registers: [metricsRegistry],
});

export const messagesDeadLettered = new Counter({
  name: 'orderflow_sqs_messages_dead_lettered_total',
  help: 'Messages sent to the dead-letter queue at once, by reason',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

export const messageProcessingDuration = new Histogram({
  name: 'orderflow_sqs_message_processing_duration_seconds',
  help: 'Time from receiving a message to its outcome (wait for earlier messages of the customer included)',
  buckets: latencyBuckets,
  registers: [metricsRegistry],
});

export const messagesInFlight = new Gauge({
  name: 'orderflow_sqs_messages_in_flight',
  help: 'Messages received and not yet deleted or released, by queue role (orders; with version queues: ingress, version, sweep)',
  labelNames: ['queue'] as const,
  registers: [metricsRegistry],
});

export const oldestMessageAge = new Gauge({
  name: 'orderflow_sqs_oldest_message_age_seconds',
  help: 'Age (since it was sent) of the oldest message currently in flight in this worker, by queue role',
  labelNames: ['queue'] as const,
  registers: [metricsRegistry],
});

export const eventsPublished = new Counter({
  name: 'orderflow_outbox_events_published_total',
  help: 'Outcome events published from the outbox to the events queue',
  registers: [metricsRegistry],
});

export const sqsRequests = new Counter({
  name: 'orderflow_sqs_requests_total',
  help: 'SQS API calls made by this process, by operation (ReceiveMessage, DeleteMessageBatch...)',
  labelNames: ['operation'] as const,
  registers: [metricsRegistry],
});

export const workerConcurrencyLimit = new Gauge({
  name: 'orderflow_worker_concurrency_limit',
  help: 'Transactions the worker lets into the database at once (AIMD on transaction latency); below 1, the share of the time its one slot is busy',
  registers: [metricsRegistry],
});

export const workerLatencyTarget = new Gauge({
  name: 'orderflow_worker_db_latency_target_seconds',
  help: 'Transaction latency above which the worker lets fewer messages into the database (relative target: tolerance x the quietest recent one)',
  registers: [metricsRegistry],
});

export const rateLimitedRequests = new Counter({
  name: 'orderflow_rate_limited_requests_total',
  help: 'Requests refused with 429 because their API key used up its rate limit, by key name',
  labelNames: ['key'] as const,
  registers: [metricsRegistry],
});

// --- worker version queues (docs/releases.md, "Workers") ---
export const ordersForwarded = new Counter({
  name: 'orderflow_worker_forwarded_total',
  help: 'Ingress messages forwarded to a worker version queue, by target version',
  labelNames: ['to'] as const,
  registers: [metricsRegistry],
});

export const ordersMoved = new Counter({
  name: 'orderflow_worker_moved_total',
  help: 'Messages moved from one version queue to another (the customer was reassigned, or the version retired)',
  labelNames: ['from', 'to'] as const,
  registers: [metricsRegistry],
});

export const switchBarrierWaits = new Counter({
  name: 'orderflow_worker_switch_barrier_waits_total',
  help: 'Ingress messages that waited because their customer had a message pending on another version (an assignment change)',
  registers: [metricsRegistry],
});

export const switchBarrierWaitDuration = new Histogram({
  name: 'orderflow_worker_switch_barrier_wait_seconds',
  help: 'How long an ingress message waited at its customer\'s barrier after an assignment change',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [metricsRegistry],
});
