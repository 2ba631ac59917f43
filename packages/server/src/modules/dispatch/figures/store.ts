/** SQL behind the response figures. No computation here (figures/service.ts computes). */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { type OrgScope, orgsUnder, subtreePattern } from '../../scope.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/**
 * Incidents of the scope's subtree received in [from, to), with the times the figures are made of.
 * Demo calls (filed by the simulator) are left out.
 */
export function incidentsReceivedBetween(db: Queryable, scope: OrgScope, from: Date, to: Date) {
  return db
    .selectFrom('incidents')
    .select(['priority', 'org_id', 'police', 'received_at', 'dispatched_at', 'arrived_at'])
    .where('org_id', 'in', orgsUnder(db, scope))
    .where('demo', '=', false)
    .where('received_at', '>=', from)
    .where('received_at', '<', to)
    .execute();
}

/**
 * Where and when the police incidents of the scope's subtree were received in [from, to) (patrol's
 * smart adjustment counts them beside imported history). Demo calls are left out.
 */
export function policeIncidentPointsBetween(db: Queryable, scope: OrgScope, from: Date, to: Date) {
  return db
    .selectFrom('incidents')
    .select(['lon', 'lat', 'received_at'])
    .where('org_id', 'in', orgsUnder(db, scope))
    .where('police', '=', true)
    .where('demo', '=', false)
    .where('received_at', '>=', from)
    .where('received_at', '<', to)
    .execute();
}

/** The names of the orgs of the scope's subtree by id (stations in the figures). */
export async function orgNames(db: Queryable, scope: OrgScope): Promise<Map<string, string>> {
  return new Map(
    (
      await db
        .selectFrom('orgs')
        .select(['id', 'name'])
        .where('path', 'like', subtreePattern(scope))
        .execute()
    ).map((o) => [o.id, o.name] as const),
  );
}
