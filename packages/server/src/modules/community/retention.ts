import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { appendAudit } from '../../identity/audit.js';

const DAY_MS = 86_400_000;

/**
 * Blanks the names and phones of the parties of mediation cases closed more than `days` days ago
 * (the party rows stay, with their role and case, marked purged_at; cases, agreements and figures
 * hold). A run that blanks anything leaves one audit row with the count and the cut-off, never a
 * value, in the same transaction as the purge. A party purged once is not counted again.
 */
export function purgeClosedMediationParties(
  db: Kysely<Database>,
  days: number,
  now: Date,
): Promise<{ parties: number }> {
  const before = new Date(now.getTime() - days * DAY_MS);
  return db.transaction().execute(async (trx) => {
    const r = await sql<{ id: string }>`
    update mediation_parties as p
       set name = null, phone = null, purged_at = ${now}
      from mediation_cases as c
     where c.id = p.case_id
       and c.status = 'closed'
       and c.closed_at <= ${before}
       and p.purged_at is null
    returning p.id`.execute(trx);
    const parties = r.rows.length;
    if (parties > 0) {
      await appendAudit(
        trx,
        {
          userId: null,
          username: null,
          action: 'write',
          resource: 'retention_purge',
          detail: { mediationParties: parties, casesClosedBefore: before.toISOString() },
        },
        now,
      );
    }
    return { parties };
  });
}
