import { type Insertable, sql, type Transaction, type Updateable } from 'kysely';
import type { Database } from '../../db/schema.js';
import { isCityLevel, type OrgScope, orgsUnder } from '../scope.js';
import type { Queryable } from './store.js';
import type { MediationCasesTable } from './tables.js';

/** A case with its org's and mediator's names, its party count, whether it has an agreement. */
function cases(db: Queryable, scope: OrgScope | null) {
  let q = db
    .selectFrom('mediation_cases as c')
    .innerJoin('orgs', 'orgs.id', 'c.org_id')
    .leftJoin('users as m', 'm.id', 'c.mediator_id')
    .select([
      'c.id',
      'c.number',
      'c.org_id',
      'orgs.name as org_name',
      'c.source',
      'c.source_ref',
      'c.category',
      'c.summary',
      'c.address',
      'c.lon',
      'c.lat',
      'c.status',
      'c.risk_violence',
      'c.risk_incident_id',
      'c.mediator_id',
      'm.display_name as mediator_name',
      'c.room',
      'c.sla_days',
      'c.opened_at',
      'c.due_at',
      'c.ended_at',
      'c.closed_at',
      (eb) =>
        eb
          .selectFrom('mediation_parties as p')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('p.case_id', '=', 'c.id')
          .as('party_count'),
      (eb) =>
        eb
          .exists(
            eb.selectFrom('mediation_agreements as a').select('a.case_id').whereRef('a.case_id', '=', 'c.id'),
          )
          .as('agreed'),
      (eb) =>
        eb
          .selectFrom('mediation_follow_ups as f')
          .select('f.performed')
          .whereRef('f.case_id', '=', 'c.id')
          .orderBy('f.visited_at', 'desc')
          .limit(1)
          .as('performed'),
    ]);
  if (scope && !isCityLevel(scope)) q = q.where('c.org_id', 'in', orgsUnder(db, scope));
  return q;
}
export type CaseRow = Awaited<ReturnType<ReturnType<typeof cases>['executeTakeFirstOrThrow']>>;

export function listCases(db: Queryable, scope: OrgScope, open: boolean | undefined) {
  let q = cases(db, scope);
  if (open === true) q = q.where('c.status', 'in', ['intake', 'mediating', 'agreed']);
  if (open === false) q = q.where('c.status', 'not in', ['intake', 'mediating', 'agreed']);
  return q.orderBy('c.due_at').limit(1000).execute();
}

/** Cases opened in [from, to) of the scope's subtree, for the rates. */
export function casesOpened(db: Queryable, scope: OrgScope, from: Date, to: Date) {
  return cases(db, scope).where('c.opened_at', '>=', from).where('c.opened_at', '<', to).execute();
}

export function findCase(db: Queryable, id: string, scope: OrgScope | null) {
  return cases(db, scope).where('c.id', '=', id).executeTakeFirst();
}

export async function insertCase(
  trx: Transaction<Database>,
  day: string,
  row: Omit<Insertable<MediationCasesTable>, 'number'>,
  number: (seq: number) => string,
): Promise<string> {
  const counter = await trx
    .insertInto('mediation_case_counters')
    .values({ day, seq: 1 })
    .onConflict((oc) => oc.column('day').doUpdateSet({ seq: sql`mediation_case_counters.seq + 1` }))
    .returning('seq')
    .executeTakeFirstOrThrow();
  const n = number(counter.seq);
  await trx
    .insertInto('mediation_cases')
    .values({ ...row, number: n })
    .execute();
  return n;
}

export function updateCase(db: Queryable, id: string, change: Updateable<MediationCasesTable>) {
  return db.updateTable('mediation_cases').set(change).where('id', '=', id).executeTakeFirst();
}

/** Moves a case from one status to another; false when it was no longer in `from`. */
export async function moveCase(
  db: Queryable,
  id: string,
  from: MediationCasesTable['status'],
  change: Updateable<MediationCasesTable>,
): Promise<boolean> {
  const r = await db
    .updateTable('mediation_cases')
    .set(change)
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function parties(db: Queryable, caseId: string) {
  return db
    .selectFrom('mediation_parties')
    .select(['id', 'role', 'name', 'phone', 'purged_at'])
    .where('case_id', '=', caseId)
    .orderBy('role')
    .orderBy('id')
    .execute();
}

export function sessions(db: Queryable, caseId: string) {
  return db
    .selectFrom('mediation_sessions')
    .select(['id', 'held_at', 'room', 'notes'])
    .where('case_id', '=', caseId)
    .orderBy('held_at')
    .execute();
}

export function agreement(db: Queryable, caseId: string) {
  return db
    .selectFrom('mediation_agreements')
    .select([
      'facts',
      'responsibilities',
      'performance',
      sql<string>`to_char(perform_by, 'YYYY-MM-DD')`.as('perform_by'),
      'signed_at',
    ])
    .where('case_id', '=', caseId)
    .executeTakeFirst();
}

export function followUps(db: Queryable, caseId: string) {
  return db
    .selectFrom('mediation_follow_ups')
    .select(['id', 'visited_at', 'performed', 'notes'])
    .where('case_id', '=', caseId)
    .orderBy('visited_at')
    .execute();
}

/** Users of the scope's subtree who may mediate (for assigning a case). */
export function mediatorInScope(db: Queryable, scope: OrgScope, userId: string) {
  let q = db
    .selectFrom('users')
    .innerJoin('orgs', 'orgs.id', 'users.org_id')
    .select(['users.id', 'users.display_name'])
    .where('users.id', '=', userId)
    .where(sql<boolean>`users.roles && array['mediator', 'community_officer']::text[]`);
  if (!isCityLevel(scope)) q = q.where('users.org_id', 'in', orgsUnder(db, scope));
  return q.executeTakeFirst();
}
