import type { Kysely } from 'kysely';
import { dropMonthlyPartitionsBefore, ensureMonthlyPartitions, monthStart } from '../../db/partitions.js';
import type { Database } from '../../db/schema.js';
import { recordAudit } from '../../identity/audit.js';

export interface RetentionPolicy {
  /** Days a caller's phone number is kept after the call. */
  callerDays: number;
  /** Days of AVL position history kept. */
  avlDays: number;
}

export interface PurgeReport {
  callerNumbers: number;
  avlPositions: number;
  /** Whole months of AVL history dropped (their rows are counted in avlPositions). */
  avlPartitionsDropped: string[];
}

/** AVL history is partitioned by UTC month on `at` (migration 075, db/partitions.ts). */
const AVL_TABLE = 'unit_positions';

/**
 * Creates the AVL months from last month to two months ahead if missing, so fixes land in their
 * own month rather than the default partition (which the pruning of a query cannot skip).
 */
export function ensureAvlPartitions(db: Kysely<Database>, now: Date): Promise<string[]> {
  return ensureMonthlyPartitions(db, AVL_TABLE, 'at', monthStart(now, -1), monthStart(now, 2));
}

const DAY_MS = 86_400_000;

/**
 * Removes personal data past its retention period: callers' numbers (the incident stays, the
 * number goes) and AVL history. AVL months wholly past retention are dropped as partitions; only
 * the month straddling the boundary (and the default partition) lose rows one by one. Each run
 * that removes anything leaves an audit row with the counts. Also keeps the AVL months ahead
 * created (the job runs at start and hourly).
 */
export async function purgeExpiredPersonalData(
  db: Kysely<Database>,
  policy: RetentionPolicy,
  now: Date,
): Promise<PurgeReport> {
  const callerBefore = new Date(now.getTime() - policy.callerDays * DAY_MS);
  const avlBefore = new Date(now.getTime() - policy.avlDays * DAY_MS);
  const callers = await db
    .updateTable('incidents')
    .set({ caller_phone: null })
    .where('caller_phone', 'is not', null)
    .where('received_at', '<', callerBefore)
    .executeTakeFirst();
  await ensureAvlPartitions(db, now);
  const dropped = await dropMonthlyPartitionsBefore(db, AVL_TABLE, avlBefore);
  // Pruned to the month straddling avlBefore and the default partition.
  const positions = await db.deleteFrom('unit_positions').where('at', '<', avlBefore).executeTakeFirst();
  const report: PurgeReport = {
    callerNumbers: Number(callers.numUpdatedRows),
    avlPositions: dropped.reduce((sum, p) => sum + p.rows, Number(positions.numDeletedRows)),
    avlPartitionsDropped: dropped.map((p) => p.name),
  };
  if (report.callerNumbers + report.avlPositions + report.avlPartitionsDropped.length > 0) {
    await recordAudit(
      db,
      {
        userId: null,
        username: null,
        action: 'write',
        resource: 'retention_purge',
        detail: { ...report, callerBefore: callerBefore.toISOString(), avlBefore: avlBefore.toISOString() },
      },
      now,
    );
  }
  return report;
}
