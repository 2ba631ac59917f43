import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type OrgScope, orgsUnder, subtreePattern } from '../scope.js';
import type { PostsTable } from './tables.js';

export type PostKind = PostsTable['kind'];

export interface PostRow {
  id: string;
  city_id: string;
  kind: PostKind;
  name: string;
  lon: number;
  lat: number;
  h3: string;
  org_id: string | null;
  owner_org_id: string;
  created_at: Date;
  updated_at: Date;
}

export interface StationOrgRow {
  id: string;
  name: string;
  lon: number;
  lat: number;
}

export interface Bounds {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

export interface LonLat {
  lon: number;
  lat: number;
}

const POST_COLUMNS = [
  'id',
  'city_id',
  'kind',
  'name',
  'lon',
  'lat',
  'h3',
  'org_id',
  'owner_org_id',
  'created_at',
  'updated_at',
] as const;

/** The city's posts; with a scope, only those owned by an org of its subtree (need to know). */
export async function listPosts(
  db: Kysely<Database>,
  cityId: string,
  scope: OrgScope | null = null,
): Promise<PostRow[]> {
  let q = db.selectFrom('posts').select(POST_COLUMNS).where('city_id', '=', cityId);
  if (scope) q = q.where('owner_org_id', 'in', orgsUnder(db, scope));
  return q.orderBy('created_at').orderBy('id').execute();
}

/** A post owned by an org of the scope's subtree. */
export async function findPost(
  db: Kysely<Database>,
  id: string,
  scope: OrgScope,
): Promise<PostRow | undefined> {
  return db
    .selectFrom('posts')
    .select(POST_COLUMNS)
    .where('id', '=', id)
    .where('owner_org_id', 'in', orgsUnder(db, scope))
    .executeTakeFirst();
}

export async function insertPost(
  db: Kysely<Database>,
  row: Omit<PostRow, 'created_at' | 'updated_at'>,
  now: Date,
): Promise<PostRow> {
  return db
    .insertInto('posts')
    .values({ ...row, created_at: now, updated_at: now })
    .returning(POST_COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function updatePost(
  db: Kysely<Database>,
  id: string,
  set: Partial<Pick<PostRow, 'kind' | 'name' | 'lon' | 'lat' | 'h3' | 'org_id'>>,
  now: Date,
  scope: OrgScope,
): Promise<PostRow | undefined> {
  return db
    .updateTable('posts')
    .set({ ...set, updated_at: now })
    .where('id', '=', id)
    .where('owner_org_id', 'in', orgsUnder(db, scope))
    .returning(POST_COLUMNS)
    .executeTakeFirst();
}

export async function deletePost(db: Kysely<Database>, id: string, scope: OrgScope): Promise<boolean> {
  const r = await db
    .deleteFrom('posts')
    .where('id', '=', id)
    .where('owner_org_id', 'in', orgsUnder(db, scope))
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Police-station orgs with a location inside the box (orgs are not tied to a city, so by place);
 * with a scope, only the stations of its subtree.
 */
export async function stationOrgsWithin(
  db: Kysely<Database>,
  box: Bounds,
  scope: OrgScope | null = null,
): Promise<StationOrgRow[]> {
  let q = db.selectFrom('orgs');
  if (scope) q = q.where('path', 'like', subtreePattern(scope));
  const rows = await q
    .select(['id', 'name', 'lon', 'lat'])
    .where('kind', '=', 'police_station')
    .where('lon', 'is not', null)
    .where('lat', 'is not', null)
    .where('lon', '>=', box.minLon)
    .where('lon', '<=', box.maxLon)
    .where('lat', '>=', box.minLat)
    .where('lat', '<=', box.maxLat)
    .orderBy('code')
    .execute();
  return rows.flatMap((r) => (r.lon === null || r.lat === null ? [] : [{ ...r, lon: r.lon, lat: r.lat }]));
}

export async function orgExists(db: Kysely<Database>, id: string): Promise<boolean> {
  return (await db.selectFrom('orgs').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** Gazetteer points of the given kinds, with their H3 cell. */
export async function gazetteerPoints(
  db: Kysely<Database>,
  cityId: string,
  kinds: readonly ('address' | 'place')[],
): Promise<(LonLat & { h3: string })[]> {
  return db
    .selectFrom('gazetteer')
    .select(['lon', 'lat', 'h3'])
    .where('city_id', '=', cityId)
    .where('kind', 'in', kinds)
    .orderBy('id')
    .execute();
}

/**
 * Locations of the city's recorded incidents, newest first, if the incidents table exists (it
 * comes with the dispatch module). Only `city_id`, `lon`, `lat` and `demo` are relied upon: the
 * demo simulator's calls are no demand to plan for.
 */
export async function incidentLocations(
  db: Kysely<Database>,
  cityId: string,
  limit: number,
): Promise<LonLat[]> {
  const table = await sql<{ name: string | null }>`select to_regclass('incidents')::text as name`.execute(db);
  if (!table.rows[0]?.name) return [];
  const rows = await sql<LonLat>`
    select lon, lat from incidents where city_id = ${cityId} and not demo order by id desc limit ${limit}`.execute(
    db,
  );
  return rows.rows.map((r) => ({ lon: Number(r.lon), lat: Number(r.lat) }));
}
