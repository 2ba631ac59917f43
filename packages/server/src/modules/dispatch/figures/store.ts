/** SQL behind the response figures. No computation here (figures/service.ts computes). */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../../db/schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** Incidents received in [from, to), with the times the figures are made of. */
export function incidentsReceivedBetween(db: Queryable, from: Date, to: Date) {
  return db
    .selectFrom('incidents')
    .select(['priority', 'org_id', 'police', 'received_at', 'dispatched_at', 'arrived_at'])
    .where('received_at', '>=', from)
    .where('received_at', '<', to)
    .execute();
}

/** Every org's name by id (stations in the figures). */
export async function orgNames(db: Queryable): Promise<Map<string, string>> {
  return new Map(
    (await db.selectFrom('orgs').select(['id', 'name']).execute()).map((o) => [o.id, o.name] as const),
  );
}
