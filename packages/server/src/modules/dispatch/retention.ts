import type { Kysely } from 'kysely';
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
}

const DAY_MS = 86_400_000;

/**
 * Removes personal data past its retention period: callers' numbers (the incident stays, the
 * number goes) and AVL history. Each run that removes anything leaves an audit row with the counts.
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
  const positions = await db.deleteFrom('unit_positions').where('at', '<', avlBefore).executeTakeFirst();
  const report = {
    callerNumbers: Number(callers.numUpdatedRows),
    avlPositions: Number(positions.numDeletedRows),
  };
  if (report.callerNumbers + report.avlPositions > 0) {
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
