import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { recordAudit } from '../../identity/audit.js';
import { purgeHitValues } from './hotlist-store.js';

const DAY_MS = 86_400_000;

/**
 * Removes the plate or resident ID of hits read more than `hitDays` days ago (the hit row stays,
 * with its checkpoint, time, entry and action, so counts and reports hold). A run that removes
 * anything leaves one audit row with the count and the cut-off, never a value.
 */
export async function purgeExpiredHitValues(
  db: Kysely<Database>,
  hitDays: number,
  now: Date,
): Promise<{ hitValues: number }> {
  const before = new Date(now.getTime() - hitDays * DAY_MS);
  const hitValues = await purgeHitValues(db, before, now);
  if (hitValues > 0) {
    await recordAudit(
      db,
      {
        userId: null,
        username: null,
        action: 'write',
        resource: 'retention_purge',
        detail: { hitValues, hitsBefore: before.toISOString() },
      },
      now,
    );
  }
  return { hitValues };
}
