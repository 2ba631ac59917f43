/** SQL of cross-station help requests. No decisions here (help/service.ts decides). */
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { type OrgScope, orgsUnder } from '../../scope.js';
import type { HelpRequestsTable } from '../tables.js';

export type Queryable = Kysely<Database> | Transaction<Database>;

/** An incident of the scope's subtree, with what a request needs of it. */
export function incidentForRequest(db: Queryable, id: string, scope: OrgScope) {
  return db
    .selectFrom('incidents')
    .innerJoin('orgs', 'orgs.id', 'incidents.org_id')
    .select(['incidents.id', 'incidents.org_id', 'incidents.status', 'orgs.path as org_path'])
    .where('incidents.id', '=', id)
    .where('incidents.org_id', 'in', orgsUnder(db, scope))
    .executeTakeFirst();
}

/** Any unit, with its home org's path (every unit is on the map, so asking for one reveals nothing). */
export function unitWithOrg(db: Queryable, id: string) {
  return db
    .selectFrom('units')
    .innerJoin('orgs', 'orgs.id', 'units.home_org_id')
    .select(['units.id', 'units.call_sign', 'units.home_org_id', 'orgs.path as org_path'])
    .where('units.id', '=', id)
    .executeTakeFirst();
}

export function insertRequest(db: Queryable, row: Insertable<HelpRequestsTable>) {
  return db.insertInto('help_requests').values(row).execute();
}

/** Requests the scope takes part in: asked by its subtree (from) or asked of it (to), newest first. */
export function listRequests(db: Queryable, scope: OrgScope, filter: { id?: string; limit: number }) {
  let q = db
    .selectFrom('help_requests as h')
    .innerJoin('incidents as i', 'i.id', 'h.incident_id')
    .innerJoin('units as u', 'u.id', 'h.unit_id')
    .innerJoin('orgs as f', 'f.id', 'h.from_org_id')
    .innerJoin('orgs as t', 't.id', 'h.to_org_id')
    .selectAll('h')
    .select((eb) => [
      'i.number',
      'i.category',
      'i.priority',
      'i.lon',
      'i.lat',
      'u.call_sign',
      'f.name as from_org_name',
      't.name as to_org_name',
      eb('h.to_org_id', 'in', orgsUnder(db, scope)).as('asked'),
    ])
    .where((eb) =>
      eb.or([eb('h.from_org_id', 'in', orgsUnder(db, scope)), eb('h.to_org_id', 'in', orgsUnder(db, scope))]),
    );
  if (filter.id) q = q.where('h.id', '=', filter.id);
  return q.orderBy('h.requested_at', 'desc').orderBy('h.id', 'desc').limit(filter.limit).execute();
}

/** A pending or decided request asked of the scope's subtree (only the asked side decides). */
export function askedOf(db: Queryable, id: string, scope: OrgScope) {
  return db
    .selectFrom('help_requests')
    .selectAll()
    .where('id', '=', id)
    .where('to_org_id', 'in', orgsUnder(db, scope))
    .executeTakeFirst();
}

/** Decides a pending request; false when it was decided meanwhile. */
export async function decide(
  db: Queryable,
  id: string,
  decision: { status: 'accepted' | 'declined'; by: string; at: Date; reason?: string },
): Promise<boolean> {
  const r = await db
    .updateTable('help_requests')
    .set({
      status: decision.status,
      decided_by: decision.by,
      decided_at: decision.at,
      decline_reason: decision.reason ?? null,
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
