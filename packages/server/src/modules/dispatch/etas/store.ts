/**
 * SQL of ETA accuracy (migration 084, dispatch_etas): the prediction written with each sending of
 * a unit, closed by the unit's own on-scene report, and read back scoped by the incident's org.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, Timestamp } from '../../../db/schema.js';
import { type OrgScope, orgsUnder } from '../../scope.js';

declare module '../../../db/schema.js' {
  interface Database {
    dispatch_etas: DispatchEtasTable;
  }
}

export interface DispatchEtasTable {
  id: string;
  incident_id: string;
  unit_id: string;
  dispatched_at: Timestamp;
  predicted_s: number;
  profile: string;
  approach_class: string | null;
  arrived_at: Timestamp | null;
  actual_s: number | null;
}

type Queryable = Kysely<Database> | Transaction<Database>;

export function insertPrediction(
  db: Queryable,
  row: {
    id: string;
    incidentId: string;
    unitId: string;
    at: Date;
    predictedS: number;
    profile: string;
    approachClass: string | null;
  },
) {
  return db
    .insertInto('dispatch_etas')
    .values({
      id: row.id,
      incident_id: row.incidentId,
      unit_id: row.unitId,
      dispatched_at: row.at,
      predicted_s: row.predictedS,
      profile: row.profile,
      approach_class: row.approachClass,
    })
    .execute();
}

/** The unit reported on scene: closes its open prediction for the incident (the latest sending). */
export async function recordArrival(
  db: Queryable,
  unitId: string,
  incidentId: string,
  at: Date,
): Promise<number> {
  const r = await db
    .updateTable('dispatch_etas')
    .set({
      arrived_at: at,
      actual_s: sql<number>`greatest(0, extract(epoch from (${at}::timestamptz - dispatched_at)))::double precision`,
    })
    .where('unit_id', '=', unitId)
    .where('incident_id', '=', incidentId)
    .where('arrived_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Predictions of units sent in [from, to) to incidents of the scope's subtree: the arrived ones
 * with their local hour of dispatch (Asia/Shanghai, as the response figures), and how many wait.
 */
export async function predictions(db: Queryable, scope: OrgScope, from: Date, to: Date) {
  const rows = await db
    .selectFrom('dispatch_etas as e')
    .innerJoin('incidents as i', 'i.id', 'e.incident_id')
    .select([
      'e.predicted_s',
      'e.actual_s',
      'e.profile',
      'e.approach_class',
      sql<number>`extract(hour from e.dispatched_at at time zone 'Asia/Shanghai')::int`.as('hour'),
    ])
    .where('i.org_id', 'in', orgsUnder(db, scope))
    .where('e.dispatched_at', '>=', from)
    .where('e.dispatched_at', '<', to)
    .execute();
  return rows;
}
