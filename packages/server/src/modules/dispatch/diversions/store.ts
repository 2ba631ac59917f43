/**
 * SQL on diversions, the hand-offs of non-police calls to the 12345 hotline. No decisions here
 * (diversions/service.ts and the forwarder in diversions/hotline.ts decide).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { type OrgScope, orgsUnder } from '../../scope.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** Queues an incident's hand-off to 12345 (inside the transaction that diverts it). */
export function insertDiversion(trx: Transaction<Database>, id: string, incidentId: string, now: Date) {
  return trx
    .insertInto('diversions')
    .values({
      id,
      incident_id: incidentId,
      target: '12345',
      status: 'queued',
      attempts: 0,
      last_error: null,
      outcome: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

/** The latest diversions of incidents of the scope's subtree, with their incident's number, newest first. */
export function listDiversions(db: Queryable, scope: OrgScope) {
  return db
    .selectFrom('diversions')
    .innerJoin('incidents', 'incidents.id', 'diversions.incident_id')
    .select([
      'diversions.id',
      'diversions.status',
      'diversions.attempts',
      'diversions.last_error',
      'diversions.outcome',
      'diversions.created_at',
      'diversions.updated_at',
      'incidents.number',
      'incidents.id as incident_id',
    ])
    .where('incidents.org_id', 'in', orgsUnder(db, scope))
    .orderBy('diversions.created_at', 'desc')
    .limit(200)
    .execute();
}

/** Records what the hotline reports; false when there is no such diversion. */
export async function setOutcome(
  db: Queryable,
  id: string,
  status: string,
  outcome: string | null,
  at: Date,
): Promise<boolean> {
  const r = await db
    .updateTable('diversions')
    .set({ status, outcome, updated_at: at })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) !== 0;
}

/**
 * Diversions still to be sent (queued, or failed with attempts left), with what the hotline is
 * told of the incident. The caller's number is not among it.
 */
export function unsentDiversions(db: Queryable, maxAttempts: number) {
  return db
    .selectFrom('diversions')
    .innerJoin('incidents', 'incidents.id', 'diversions.incident_id')
    .select([
      'diversions.id',
      'diversions.attempts',
      'diversions.updated_at',
      'diversions.status',
      'incidents.number',
      'incidents.category',
      'incidents.subcategory',
      'incidents.narrative',
      'incidents.lon',
      'incidents.lat',
      'incidents.address_label',
      'incidents.received_at',
    ])
    .where('diversions.status', 'in', ['queued', 'failed'])
    .where('diversions.attempts', '<', maxAttempts)
    .execute();
}

/** Records one delivery attempt and its result. */
export function recordAttempt(
  db: Queryable,
  id: string,
  attempt: { status: 'sent' | 'failed'; attempts: number; error: string | null; at: Date },
) {
  return db
    .updateTable('diversions')
    .set({
      status: attempt.status,
      attempts: attempt.attempts,
      last_error: attempt.error,
      updated_at: attempt.at,
    })
    .where('id', '=', id)
    .execute();
}
