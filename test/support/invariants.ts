import type { DataSource } from 'typeorm';
import { checkInvariants as checkScope, InvariantReport } from '@orderflow/harness/invariants';

/** The harness's invariant checker (the bench's and the chaos run's) over a test stack's whole database. */
export function checkInvariants(db: DataSource): Promise<InvariantReport> {
  return checkScope(db, { customerPrefix: '' });
}

/**
 * What every such report must show: gap-free numbering, credit and stock kept, no order stored
 * twice, one outcome event per order in orderNumber order. (Loss needs the accepted orders: the
 * suites check it against what they sent.)
 */
export const INVARIANTS_HOLD = { orderNumberGaps: 0, creditViolations: 0, stockViolations: 0, duplicated: 0, eventsMissing: 0, eventsOutOfOrder: 0 };
