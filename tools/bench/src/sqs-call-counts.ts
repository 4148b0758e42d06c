/**
 * The apps' own count of SQS calls by operation (orderflow_sqs_requests_total, every label set
 * summed), read from their /metrics: calls per order are what the SQS client costs.
 */
export async function sqsCallCounts(apps: ReadonlyArray<{ url: string }>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const app of apps) {
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    for (const match of metrics.matchAll(/^orderflow_sqs_requests_total\{[^}]*operation="([^"]+)"[^}]*\} (\d+)/gm)) {
      counts[match[1]] = (counts[match[1]] ?? 0) + Number(match[2]);
    }
  }
  return counts;
}

/** Calls per order by operation between two counts. */
export function callsPerOrder(before: Record<string, number>, after: Record<string, number>, orders: number): Record<string, number> {
  const perOrder: Record<string, number> = {};
  for (const [operation, calls] of Object.entries(after)) {
    const delta = calls - (before[operation] ?? 0);
    if (delta > 0) perOrder[operation] = delta / Math.max(1, orders);
  }
  return perOrder;
}
