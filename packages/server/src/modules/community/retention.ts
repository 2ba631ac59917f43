import { rm } from 'node:fs/promises';
import path from 'node:path';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { appendAudit } from '../../identity/audit.js';
import { partyScrubber } from './redact.js';

const DAY_MS = 86_400_000;
/** Case ids per `in (…)` list (PostgreSQL takes at most 65,535 parameters in one statement). */
const CHUNK = 1000;

/**
 * The free-text columns of a case's rows, where a party's name or phone may have been written:
 * table, its key, how it is tied to the case, and the columns (every text column a person types).
 */
const FREE_TEXT = [
  {
    table: 'mediation_cases',
    key: 'id',
    caseColumn: 'id',
    columns: ['summary', 'address', 'room', 'source_ref'],
  },
  { table: 'mediation_sessions', key: 'id', caseColumn: 'case_id', columns: ['notes', 'room'] },
  {
    table: 'mediation_agreements',
    key: 'case_id',
    caseColumn: 'case_id',
    columns: ['facts', 'responsibilities', 'performance'],
  },
  { table: 'mediation_follow_ups', key: 'id', caseColumn: 'case_id', columns: ['notes'] },
  // The citizen reports a case was made from (their description became the case's summary).
  {
    table: 'community_reports',
    key: 'id',
    caseColumn: 'case_id',
    columns: ['description', 'status_notes', 'address'],
  },
] as const;

export interface PurgeResult {
  parties: number;
  /** Rows whose free text held a party's name or a phone number and was rewritten. */
  freeTextRows: number;
  /** Occurrences replaced with the purge mark. */
  freeTextReplacements: number;
  /** Citizen-report media files (photos, videos) of the purged cases deleted from disk. */
  mediaFiles: number;
}

/**
 * Blanks the names and phones of the parties of mediation cases closed more than `days` days ago
 * (the party rows stay, with their role and case, marked purged_at; cases, agreements and figures
 * hold), and in the same transaction replaces every occurrence of those names and phones, and of
 * anything shaped like a phone or resident ID number, in the free text of the same cases (summary,
 * address, session and follow-up notes, the agreement's facts, responsibilities and performance,
 * the reports the case came from) with 【已清除】. A run that changes anything leaves one audit row
 * with the counts and the cut-off, never a value. A party purged once is not counted again.
 */
export async function purgeClosedMediationParties(
  db: Kysely<Database>,
  days: number,
  now: Date,
  options: { mediaDir?: string } = {},
): Promise<PurgeResult> {
  const before = new Date(now.getTime() - days * DAY_MS);
  const result = await purgeText(db, before, now);
  const mediaFiles = options.mediaDir ? await purgeMedia(db, before, options.mediaDir) : 0;
  return { ...result, mediaFiles };
}

/**
 * The media files of the citizen reports of cases closed before `before`, deleted from disk after
 * the text purge committed (a file is not part of a transaction): each one removed (a missing file
 * is fine), then its report row forgets it. A crash between the two leaves the row naming a file
 * that is gone, which the next run removes again (nothing) and forgets: idempotent. Returns the
 * number of files that were on disk.
 */
async function purgeMedia(db: Kysely<Database>, before: Date, mediaDir: string): Promise<number> {
  const due = await db
    .selectFrom('community_reports as r')
    .innerJoin('mediation_cases as c', 'c.id', 'r.case_id')
    .select(['r.id', 'r.media_file'])
    .where('c.status', '=', 'closed')
    .where('c.closed_at', '<=', before)
    .where('r.media_file', 'is not', null)
    .execute();
  let deleted = 0;
  for (let i = 0; i < due.length; i += CHUNK) {
    const chunk = due.slice(i, i + CHUNK);
    const gone: string[] = [];
    for (const r of chunk) {
      // basename: the column holds a file name; never a path out of the media folder.
      const file = path.join(mediaDir, path.basename(r.media_file!));
      try {
        await rm(file);
        deleted += 1;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      gone.push(r.id);
    }
    await db
      .updateTable('community_reports')
      .set({ media_file: null, media_type: null, media_bytes: null })
      .where('id', 'in', gone)
      .execute();
  }
  return deleted;
}

function purgeText(db: Kysely<Database>, before: Date, now: Date): Promise<Omit<PurgeResult, 'mediaFiles'>> {
  return db.transaction().execute(async (trx) => {
    // The values as they were (the update's own RETURNING sees the blanked row).
    const r = await sql<{ id: string; case_id: string; name: string | null; phone: string | null }>`
    with due as (
      select p.id, p.case_id, p.name, p.phone
        from mediation_parties as p
        join mediation_cases as c on c.id = p.case_id
       where c.status = 'closed'
         and c.closed_at <= ${before}
         and p.purged_at is null
         for update of p
    )
    update mediation_parties as p
       set name = null, phone = null, purged_at = ${now}
      from due
     where p.id = due.id
    returning p.id, due.case_id, due.name, due.phone`.execute(trx);
    const parties = r.rows.length;
    const byCase = new Map<string, { name: string | null; phone: string | null }[]>();
    for (const p of r.rows) byCase.set(p.case_id, [...(byCase.get(p.case_id) ?? []), p]);
    // Cases whose parties an earlier purge blanked without scrubbing the free text (before it did,
    // or rows purged by hand): scrubbed now by shape (phones, ID numbers), the names being gone.
    // Cases scrubbed by a purge before the column existed are among them once (nothing left to
    // replace); a run takes CHUNK of them, so the first runs after an upgrade stay short.
    const missed = await trx
      .selectFrom('mediation_cases as c')
      .select('c.id')
      .where('c.status', '=', 'closed')
      .where('c.closed_at', '<=', before)
      .where('c.text_purged_at', 'is', null)
      .where(({ exists, not, selectFrom }) =>
        not(
          exists(
            selectFrom('mediation_parties as p')
              .select('p.id')
              .whereRef('p.case_id', '=', 'c.id')
              .where('p.purged_at', 'is', null),
          ),
        ),
      )
      .orderBy('c.closed_at')
      .limit(CHUNK)
      .execute();
    let catchUp = 0;
    for (const c of missed) {
      if (byCase.has(c.id)) continue;
      byCase.set(c.id, []);
      catchUp += 1;
    }
    const text = await scrubCases(trx, byCase);
    const scrubbedCases = [...byCase.keys()];
    for (let i = 0; i < scrubbedCases.length; i += CHUNK)
      await trx
        .updateTable('mediation_cases')
        .set({ text_purged_at: now })
        .where('id', 'in', scrubbedCases.slice(i, i + CHUNK))
        .execute();
    if (parties > 0 || text.rows > 0) {
      await appendAudit(
        trx,
        {
          userId: null,
          username: null,
          action: 'write',
          resource: 'retention_purge',
          detail: {
            mediationParties: parties,
            freeTextRows: text.rows,
            freeTextReplacements: text.replaced,
            earlierPurgedCasesChecked: catchUp,
            casesClosedBefore: before.toISOString(),
          },
        },
        now,
      );
    }
    return { parties, freeTextRows: text.rows, freeTextReplacements: text.replaced };
  });
}

/** Rewrites the free text of each case with its own parties' names and phones (and phone-shaped runs) marked out. */
async function scrubCases(
  trx: Transaction<Database>,
  byCase: Map<string, { name: string | null; phone: string | null }[]>,
): Promise<{ rows: number; replaced: number }> {
  const scrub = new Map([...byCase].map(([caseId, parties]) => [caseId, partyScrubber(parties)]));
  const ids = [...byCase.keys()];
  let rows = 0;
  let replaced = 0;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    for (const t of FREE_TEXT) {
      const found = await sql<Record<string, string | null>>`
        select ${sql.ref(t.key)} as key, ${sql.ref(t.caseColumn)} as case_id, ${sql.join(t.columns.map((c) => sql.ref(c)))}
          from ${sql.table(t.table)}
         where ${sql.ref(t.caseColumn)} in (${sql.join(chunk)})
         for update`.execute(trx);
      for (const row of found.rows) {
        const fn = scrub.get(row.case_id ?? '');
        if (!fn) continue;
        const set: Record<string, string> = {};
        for (const c of t.columns) {
          const value = row[c];
          if (!value) continue;
          const s = fn(value);
          if (s.replaced === 0) continue;
          set[c] = s.text;
          replaced += s.replaced;
        }
        const changed = Object.entries(set);
        if (changed.length === 0) continue;
        rows += 1;
        await sql`update ${sql.table(t.table)}
                     set ${sql.join(changed.map(([c, v]) => sql`${sql.ref(c)} = ${v}`))}
                   where ${sql.ref(t.key)} = ${row.key}`.execute(trx);
      }
    }
  }
  return { rows, replaced };
}
