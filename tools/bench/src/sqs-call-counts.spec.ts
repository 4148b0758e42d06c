import { callsPerOrder } from './sqs-call-counts';
import { PhaseResult, sqsCallsTable } from './bench-report';

describe('SQS calls per order', () => {
  it('divides what each operation added during the phase by the orders, leaving out untouched ones', () => {
    const before = { ReceiveMessage: 10, DeleteMessageBatch: 4, GetQueueAttributes: 3 };
    const after = { ReceiveMessage: 60, DeleteMessageBatch: 54, GetQueueAttributes: 3, ChangeMessageVisibilityBatch: 5 };
    expect(callsPerOrder(before, after, 200)).toEqual({ ReceiveMessage: 0.25, DeleteMessageBatch: 0.25, ChangeMessageVisibilityBatch: 0.025 });
  });

  it('tabulates one column per operation seen in any phase, with the total', () => {
    const phase = (workers: number, calls: Record<string, number>): PhaseResult => ({
      id: `sqs${workers}`, kind: 'sqs', label: 'SQS drain', workers, orders: 100, errors: 0, errorKinds: {}, seconds: 1, ordersPerSecond: 100, sqsCallsPerOrder: calls,
    });
    const table = sqsCallsTable([phase(1, { ReceiveMessage: 0.1 }), phase(2, { ReceiveMessage: 0.3, DeleteMessageBatch: 0.2 })]);
    expect(table.header).toEqual(['phase', 'workers', 'DeleteMessageBatch', 'ReceiveMessage', 'all']);
    expect(table.rows[0].slice(2)).toEqual(['0.00', '0.10', '0.10']);
    expect(table.rows[1].slice(2)).toEqual(['0.20', '0.30', '0.50']);
  });
});
