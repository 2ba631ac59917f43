/**
 * Need to know (DESIGN.md "Who may see what"): every incident, unit, checkpoint, ring, plan,
 * hotlist entry, hit, coverage post and diversion belongs to an org, and a person reads and changes
 * what belongs to their org's subtree. The stores apply it inside their queries with the subquery
 * below (`where x.org_id in (orgs whose path starts with the actor's)`), never by filtering rows
 * afterwards; city-level staff (an org without a parent) match every org. Outside the subtree is
 * indistinguishable from missing: the services answer 404.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { ProblemError } from '../http/problem.js';

/** Who asks, as far as need-to-know goes (an `Actor` is one). */
export interface OrgScope {
  orgId: string;
  /** Materialised path of the org, '/root/…/org/'; its subtree is every path it prefixes. */
  orgPath: string;
}

type Queryable = Kysely<Database> | Transaction<Database>;

/** LIKE pattern of an org path's subtree (paths are ids and slashes; escaped all the same). */
export function subtreePattern(scope: OrgScope): string {
  return `${scope.orgPath.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The ids of the orgs in the scope's subtree, as a subquery for `where org_id in (…)`. */
export function orgsUnder(db: Queryable, scope: OrgScope) {
  return db.selectFrom('orgs').select('orgs.id').where('orgs.path', 'like', subtreePattern(scope));
}

/** City-level staff: the actor's org is a root of the tree (the city bureau). */
export function isCityLevel(scope: OrgScope): boolean {
  return scope.orgPath.split('/').filter(Boolean).length === 1;
}

/**
 * A client-supplied org id must name an org in the actor's subtree: otherwise 400 naming the field
 * with rule `org_in_scope` (as identity answers for a user's org).
 */
export async function assertOrgInScope(
  db: Queryable,
  scope: OrgScope,
  orgId: string,
  field: string,
): Promise<void> {
  const row = await db
    .selectFrom('orgs')
    .select('id')
    .where('id', '=', orgId)
    .where('path', 'like', subtreePattern(scope))
    .executeTakeFirst();
  if (!row) {
    throw new ProblemError('validation', undefined, [{ field, rule: 'org_in_scope', message: '' }]);
  }
}

/** Only city-level staff may do this (city-wide operations such as replacing every jurisdiction). */
export function assertCityLevel(scope: OrgScope): void {
  if (!isCityLevel(scope)) {
    throw new ProblemError('forbidden', CITY_LEVEL_ONLY, [{ field: 'org', rule: 'city_level', message: '' }]);
  }
}

const CITY_LEVEL_ONLY = {
  zh: '只有市局层级的人员可以执行此操作',
  en: 'Only city-level staff may do this',
};
