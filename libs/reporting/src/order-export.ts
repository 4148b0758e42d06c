import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import type { DatabaseConnectionConfig } from '@orderflow/config/app-config';
import { pgConnectionOptions } from '@orderflow/persistence/data-source';
import { ExportCounts, ExportFormat, encoder } from './export-encoders';
import { ExportDestination, S3Settings, openDestination } from './export-destinations';
import { ExportProgress } from './export-progress';
import { OrderExportRepository } from './order-export.repository';
import { DateRange } from './report-params';

export interface ExportRequest {
  /** The replica, as the SELECT-only reporting role. */
  replicaUrl: string;
  /** TLS and IAM authentication (AppConfig.database); plain when absent. */
  connection?: DatabaseConnectionConfig;
  range: DateRange;
  format: ExportFormat;
  /** A file path or s3://bucket/key. */
  out: string;
  s3: S3Settings;
  progress: ExportProgress;
  /** Aborting it (Ctrl-C, SIGTERM) stops the export and removes what was written. */
  signal?: AbortSignal;
}

export interface ExportSummary extends ExportCounts {
  destination: string;
  seconds: number;
}

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  jsonl: 'application/jsonl; charset=utf-8',
};

/**
 * Streams the orders of a date range with their items from the replica into a file or an S3 object:
 * cursor -> encoder -> destination, with backpressure all the way, so memory does not grow with
 * the number of rows. The export is published under its name only when complete.
 */
export async function exportOrders(request: ExportRequest): Promise<ExportSummary> {
  const started = performance.now();
  // A connection of its own, without the pool's query timeout: one cursor may run for minutes.
  const client = new Client({ ...pgConnectionOptions(request.replicaUrl, request.connection), application_name: 'orderflow-export', keepAlive: true });
  client.on('error', () => undefined); // a lost connection fails the running query, which is what we report
  await client.connect();
  const counts: ExportCounts = { orders: 0, rows: 0 };
  let destination: ExportDestination | undefined;
  try {
    const cursor = await new OrderExportRepository().open(client, request.range);
    destination = await openDestination(request.out, CONTENT_TYPES[request.format], request.s3);
    try {
      request.progress.start(cursor.totalOrders, counts);
      await pipeline([cursor.rows, ...encoder(request.format, counts), destination.stream], { signal: request.signal });
    } finally {
      request.progress.stop();
      await cursor.close().catch(() => undefined);
    }
    await destination.commit();
    return { ...counts, destination: destination.name, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    await destination?.abort();
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
