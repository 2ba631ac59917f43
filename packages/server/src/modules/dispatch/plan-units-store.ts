/**
 * SQL on units for tasks other modules give them (closure plans of perimeter control). The units
 * table belongs to dispatch; perimeter reaches it only through DispatchService, which calls these.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** Units free to be sent anywhere: available, on no incident or plan, with a known position. */
export function availableUnits(db: Queryable) {
  return db
    .selectFrom('units')
    .select(['id', 'call_sign', 'kind', 'last_lon', 'last_lat', 'last_at'])
    .where('status', '=', 'available')
    .where('current_incident_id', 'is', null)
    .where('current_plan_id', 'is', null)
    .where('last_lon', 'is not', null)
    .where('last_lat', 'is not', null)
    .orderBy('call_sign')
    .execute();
}

/**
 * Takes a unit for a plan with the conditional update dispatch uses: it changes only while the
 * unit is still available and on nothing else, so a dispatcher and a commander cannot both get it.
 */
export async function takeUnitForPlan(trx: Transaction<Database>, unitId: string, planId: string) {
  const r = await trx
    .updateTable('units')
    .set({ status: 'dispatched', current_plan_id: planId })
    .where('id', '=', unitId)
    .where('status', '=', 'available')
    .where('current_incident_id', 'is', null)
    .where('current_plan_id', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Frees the plan's units. A unit still busy for the plan alone goes back to available; one that
 * has meanwhile been put on an incident or changed its own status keeps that status.
 */
export async function releasePlanUnits(trx: Transaction<Database>, planId: string): Promise<string[]> {
  const freed = await trx
    .updateTable('units')
    .set({ status: 'available', current_plan_id: null })
    .where('current_plan_id', '=', planId)
    .where('current_incident_id', 'is', null)
    .where('status', 'in', ['dispatched', 'en_route', 'on_scene'])
    .returning('id')
    .execute();
  await trx
    .updateTable('units')
    .set({ current_plan_id: null })
    .where('current_plan_id', '=', planId)
    .execute();
  return freed.map((u) => u.id);
}
