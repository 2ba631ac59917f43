import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { appendAudit } from '../../identity/audit.js';

const DAY_MS = 86_400_000;

export interface VolunteerPurgeResult {
  /** Patrol positions posted from a volunteer's phone, deleted. */
  fixes: number;
  /** Sign-ups whose check-in position was cleared (the check-in time stays: hours served need it). */
  checkInPositions: number;
}

/**
 * Where a named volunteer was is personal data: the positions a volunteer's phone posted on a
 * patrol shift, and where they checked in, are kept `days` days (the AVL retention,
 * CITYWATCH_RETENTION_AVL_DAYS) and then removed, in one transaction with one audit row holding
 * the counts and the cut-off, never a position. Check-in and check-out times stay, so hours served
 * and shift records hold.
 */
export async function purgeVolunteerPositions(
  db: Kysely<Database>,
  days: number,
  now: Date,
): Promise<VolunteerPurgeResult> {
  const before = new Date(now.getTime() - days * DAY_MS);
  return db.transaction().execute(async (trx) => {
    const fixes = await trx.deleteFrom('volunteer_fixes').where('at', '<', before).executeTakeFirst();
    const checkIns = await trx
      .updateTable('volunteer_signups')
      .set({ check_in_lon: null, check_in_lat: null })
      .where('checked_in_at', '<', before)
      .where((eb) => eb.or([eb('check_in_lon', 'is not', null), eb('check_in_lat', 'is not', null)]))
      .executeTakeFirst();
    const result = {
      fixes: Number(fixes.numDeletedRows),
      checkInPositions: Number(checkIns.numUpdatedRows),
    };
    if (result.fixes + result.checkInPositions > 0) {
      await appendAudit(
        trx,
        {
          userId: null,
          username: null,
          action: 'write',
          resource: 'retention_purge',
          detail: {
            volunteerFixes: result.fixes,
            volunteerCheckInPositions: result.checkInPositions,
            positionsBefore: before.toISOString(),
          },
        },
        now,
      );
    }
    return result;
  });
}
