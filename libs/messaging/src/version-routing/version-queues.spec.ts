import { ingressBase, versionQueueBase } from './version-queues';

describe('version queue names', () => {
  const ingress = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orderflow-orders.fifo';

  it('derive from the ingress queue and the version, readable and within SQS rules', () => {
    expect(ingressBase(ingress)).toBe('orderflow-orders');
    const base = versionQueueBase(ingress, '2.0.0+build.7');
    expect(base).toMatch(/^orderflow-orders-v-2_0_0-build_7-[0-9a-f]{6}$/);
    expect(`${base}-dlq.fifo`).toMatch(/^[A-Za-z0-9_-]{1,75}\.fifo$/);
    expect(`${versionQueueBase(ingress, 'x'.repeat(40))}-dlq.fifo`.length).toBeLessThanOrEqual(80);
  });

  it('keep versions that differ only in . and + apart', () => {
    expect(versionQueueBase(ingress, '1.0+1')).not.toBe(versionQueueBase(ingress, '1.0-1'));
    expect(versionQueueBase(ingress, '1.0')).not.toBe(versionQueueBase(ingress, '1_0'));
  });
});
